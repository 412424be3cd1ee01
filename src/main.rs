fn main() -> std::process::ExitCode {
    gitseal::run(std::env::args_os().skip(1).collect())
}
