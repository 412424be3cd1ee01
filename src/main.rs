fn main() -> std::process::ExitCode {
    // Library errors (sequoia's, through anyhow) capture a backtrace when RUST_BACKTRACE
    // is set, and gitseal never prints them: with it set, a quarter of an OpenPGP
    // history's verification went to unwinding. Panics keep theirs (RUST_BACKTRACE).
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: the first thing the process does, before any thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    gitseal::run(std::env::args_os().skip(1).collect())
}
