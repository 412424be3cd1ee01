//! The command line: which dialect (gpg, ssh-keygen, gitseal's own) and its parse, as git
//! or a person calls gitseal. Input: the arguments without the program name, separated by
//! NUL bytes (bytes, not necessarily UTF-8, as argv can be).
#![no_main]

use gitseal::cli::classify;
use gitseal::output::exit::Dialect;
use gitseal::output::render_error;
use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

fuzz_target!(|data: &[u8]| {
    if data.len() > 4096 {
        return;
    }
    let args: Vec<OsString> = if data.is_empty() {
        Vec::new()
    } else {
        data.split(|b| *b == 0)
            .map(|a| std::ffi::OsStr::from_bytes(a).to_os_string())
            .collect()
    };
    match classify(&args) {
        Ok(invocation) => {
            let _ = format!("{invocation:?}");
        }
        Err((dialect, error)) => {
            let mut sink = Vec::new();
            render_error(dialect, &error, &mut sink);
            if dialect != Dialect::Own {
                render_error(Dialect::Own, &error, &mut sink);
            }
        }
    }
});
