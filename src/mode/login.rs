//! `gitseal login` and `gitseal logout`: the Sigstore credential cache by hand.

use std::io::Write;

use crate::config::Settings;
use crate::error::AppError;
use crate::output::exit::Status;
use crate::output::status::date_time;

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
    let how = if cached { "still cached" } else { "cached" };
    let _ = writeln!(
        out,
        "Certificate for [{}]({}) {how} until {}",
        cert.identity,
        cert.issuer,
        date_time(cert.not_after)
    );
    Ok(Status::Success)
}

pub fn logout(out: &mut dyn Write) -> Result<Status, AppError> {
    let settings = Settings::load().sigstore_signing()?;
    let Some(dir) = settings.credential_cache else {
        let _ = writeln!(out, "The credential cache is off; nothing to remove");
        return Ok(Status::Success);
    };
    let removed = crate::sigstore::credentials::remove_all(&dir).map_err(|e| {
        AppError::operational(format!(
            "cannot remove credentials in {}: {}",
            dir.display(),
            crate::error::io_reason(&e)
        ))
    })?;
    let _ = writeln!(
        out,
        "Removed {removed} cached credential(s) from {}",
        dir.display()
    );
    Ok(Status::Success)
}
