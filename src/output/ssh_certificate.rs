//! How reports show the SSH certificate a signature was made through (`gitseal verify`,
//! `verify-commit`/`verify-tag`): who issued it, what it names and when it is valid. Key
//! ids and principals are the certificate's text: exact in JSON (escape::json when
//! written), JSON-quoted in text lines and then escaped (escape::text), so that a key id
//! holding `", serial 1` cannot pass for another field.

use super::escape::text;
use crate::signature::SshCertificateFacts;
use serde_json::{Value, json};

/// The last second an RFC 3339 time can name (9999-12-31T23:59:59Z).
const LAST_RFC3339: u64 = 253_402_300_799;

/// The `ssh_certificate` object: `ca` (its key's `SHA256:` fingerprint), `key_id`,
/// `serial` (a decimal string: 64-bit serials, often random, are beyond what many JSON
/// parsers keep exactly as numbers), `type` (`user` or `host`), `principals`,
/// `valid_after`/`valid_before` (RFC 3339 UTC; `null` for a time after 9999, which for
/// `valid_before` is OpenSSH's "forever") and `critical_options` (their names).
pub fn json(cert: &SshCertificateFacts) -> Value {
    json!({
        "ca": cert.ca_fingerprint,
        "key_id": cert.key_id,
        "serial": cert.serial.to_string(),
        "type": if cert.user { "user" } else { "host" },
        "principals": cert.principals,
        "valid_after": json_time(cert.valid_after),
        "valid_before": json_time(cert.valid_before),
        "critical_options": cert.critical_options,
    })
}

fn json_time(unix: u64) -> Value {
    match i64::try_from(unix) {
        Ok(t) if unix <= LAST_RFC3339 => super::object::json_time(t),
        _ => Value::Null,
    }
}

/// The certificate in one line of text, escaped: `certificate "KEY_ID" serial N by CA
/// SHA256:... for "a","b", valid FROM to UNTIL` (with `host` before `certificate` for a
/// host certificate).
pub fn text_summary(cert: &SshCertificateFacts) -> String {
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    let principals = if cert.principals.is_empty() {
        "no principals".to_string()
    } else {
        cert.principals
            .iter()
            .map(|p| quoted(p))
            .collect::<Vec<_>>()
            .join(",")
    };
    let kind = if cert.user { "" } else { "host " };
    text(&format!(
        "{kind}certificate {} serial {} by CA {} for {principals}, valid {} to {}",
        quoted(&cert.key_id),
        cert.serial,
        cert.ca_fingerprint,
        text_time(cert.valid_after),
        text_time(cert.valid_before),
    ))
    .to_string()
}

fn text_time(unix: u64) -> String {
    match i64::try_from(unix) {
        _ if unix == u64::MAX => "forever".to_string(),
        Ok(t) if unix <= LAST_RFC3339 => crate::policy::rfc3339(t),
        _ => "after 9999-12-31T23:59:59Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SshCertificateFacts {
        SshCertificateFacts {
            ca_fingerprint: "SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc".into(),
            user: true,
            principals: vec!["erin".into(), "erin@example.org".into()],
            valid_after: 1_698_796_800,
            valid_before: u64::MAX,
            serial: u64::MAX - 1,
            key_id: "erin-1".into(),
            critical_options: vec!["force-command".into()],
        }
    }

    #[test]
    fn json_has_every_field_times_as_rfc3339_and_the_serial_exact() {
        assert_eq!(
            json(&facts()),
            json!({
                "ca": "SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc",
                "key_id": "erin-1",
                "serial": "18446744073709551614",
                "type": "user",
                "principals": ["erin", "erin@example.org"],
                "valid_after": "2023-11-01T00:00:00Z",
                "valid_before": null,
                "critical_options": ["force-command"],
            })
        );
        let mut late = facts();
        late.valid_after = LAST_RFC3339 + 1;
        late.valid_before = LAST_RFC3339;
        let v = json(&late);
        assert_eq!(v["valid_after"], Value::Null);
        assert_eq!(v["valid_before"], "9999-12-31T23:59:59Z");
    }

    #[test]
    fn text_quotes_and_escapes_what_the_certificate_says() {
        assert_eq!(
            text_summary(&facts()),
            "certificate \"erin-1\" serial 18446744073709551614 by CA SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc for \"erin\",\"erin@example.org\", valid 2023-11-01T00:00:00Z to forever"
        );
        let mut hostile = facts();
        hostile.user = false;
        hostile.key_id = "x\" serial 1 by CA SHA256:fake\u{202e}\n".into();
        hostile.principals = vec![];
        hostile.valid_after = LAST_RFC3339 + 1;
        let shown = text_summary(&hostile);
        assert_eq!(
            shown,
            "host certificate \"x\\\" serial 1 by CA SHA256:fake\\u{202e}\\n\" serial 18446744073709551614 by CA SHA256:WFHFyR++BkVhJPhhKKPgZ9TENSO2MU/U2FI7bILckfc for no principals, valid after 9999-12-31T23:59:59Z to forever"
        );
    }
}
