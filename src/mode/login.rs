//! `gitseal login` and `gitseal logout`: the Sigstore credential cache by hand.

use std::io::Write;

use crate::config::Settings;
use crate::error::AppError;
use crate::output::exit::Status;
use crate::sigstore::credentials;

pub fn login(out: &mut dyn Write) -> Result<Status, AppError> {
    let settings = Settings::load().sigstore_signing()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let stderr = std::io::stderr();
    let (cert, cached) = crate::sigstore::sign::login(&settings, now, &mut |note| {
        crate::output::sigstore_text::note(note, &mut stderr.lock());
    })
    .map_err(|e| AppError::operational(e.to_string()))?;
    // Where the credential is kept (the keyring, or which file); a cache that could not
    // keep it has said why already.
    let wanted = credentials::Wanted {
        fulcio: &settings.fulcio,
        issuer: &settings.issuer,
    };
    let kept = settings.credential_cache.as_ref().and_then(|dir| {
        credentials::locate(settings.credential_store, dir, wanted, now, 0)
            .ok()
            .flatten()
    });
    let how = match (&kept, cached) {
        (Some(kept), true) => format!("still cached {kept}"),
        (Some(kept), false) => format!("cached {kept}"),
        (None, _) => "not cached".to_string(),
    };
    crate::output::sigstore_text::logged_in(&cert, &how, out);
    Ok(Status::Success)
}

pub fn logout(out: &mut dyn Write) -> Result<Status, AppError> {
    let settings = Settings::load().sigstore_signing()?;
    let Some(dir) = settings.credential_cache else {
        let _ = writeln!(out, "The credential cache is off; nothing to remove");
        return Ok(Status::Success);
    };
    // The keyring holds the entry of the configured Fulcio and issuer (keyrings cannot be
    // listed); the directory, every file.
    let file = credentials::path(&dir, &settings.fulcio, &settings.issuer);
    let in_keyring = credentials::remove(settings.credential_store, &file);
    let removed = credentials::remove_all(&dir).map_err(AppError::operational)?;
    if let Ok(true) = in_keyring {
        let _ = writeln!(
            out,
            "Removed the cached credential {}",
            credentials::Kept::Keyring
        );
    }
    let _ = writeln!(
        out,
        "Removed {removed} cached credential(s) from {}",
        dir.display()
    );
    match in_keyring {
        Err(problem) => Err(AppError::operational(format!(
            "cannot remove the cached credential: {problem}"
        ))),
        Ok(_) => Ok(Status::Success),
    }
}
