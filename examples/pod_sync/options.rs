//! The command line: flags, their defaults and limits, and the help text.

use std::ffi::OsString;
use std::io::{self, Write};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_PODS: usize = 50;

/// What sets one example apart: its name, its help text, and the defaults
/// that suit the way it runs.
#[derive(Debug)]
pub(crate) struct Program {
    /// The example's name, as `cargo run --example` takes it.
    pub(crate) name: &'static str,
    /// One sentence on what the example is.
    pub(crate) about: &'static str,
    /// What a worker is, in the help text: "threads", "tasks".
    pub(crate) workers_are: &'static str,
    pub(crate) default_workers: usize,
    /// Rounds in a default run: a few seconds at most with the json backend.
    pub(crate) default_iterations: u64,
}

#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) backend: BackendKind,
    pub(crate) pods: usize,
    pub(crate) workers: usize,
    pub(crate) until: Until,
    /// Where the text and json lines go, if the user chose.
    pub(crate) log_file: Option<PathBuf>,
    /// Where to write the recorded spans as a Trace Event file.
    pub(crate) trace_out: Option<PathBuf>,
    /// Where to write the recorded spans as folded stacks.
    pub(crate) folded_out: Option<PathBuf>,
    /// Counters from 1 for span and trace ids, for tests; random W3C ids
    /// otherwise.
    pub(crate) deterministic_ids: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BackendKind {
    Nop,
    Memory,
    Text,
    Json,
}

impl BackendKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            BackendKind::Nop => "nop",
            BackendKind::Memory => "memory",
            BackendKind::Text => "text",
            BackendKind::Json => "json",
        }
    }
}

/// When the run stops.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Until {
    Rounds(u64),
    Elapsed(Duration),
}

impl Until {
    pub(crate) fn reached(self, rounds: u64, elapsed: Duration) -> bool {
        match self {
            Until::Rounds(n) => rounds >= n,
            Until::Elapsed(limit) => elapsed >= limit,
        }
    }
}

impl Options {
    /// The options of this process's command line. After printing the help
    /// (asked for) or a usage error, `Err` holds the code to exit with.
    pub(crate) fn from_env(program: &Program) -> Result<Options, ExitCode> {
        match parse_args(program, std::env::args_os().skip(1)) {
            Ok(Some(opts)) => Ok(opts),
            Ok(None) => {
                let _ = writeln!(io::stdout(), "{}", usage(program));
                Err(ExitCode::SUCCESS)
            }
            Err(message) => {
                let name = program.name;
                let _ = writeln!(io::stderr(), "{name}: {message}\n\n{}", usage(program));
                Err(ExitCode::from(2))
            }
        }
    }
}

fn usage(program: &Program) -> String {
    let Program {
        name,
        about,
        workers_are,
        default_workers,
        default_iterations,
    } = program;
    let indent = " ".repeat("Usage: ".len() + name.len() + 1);
    format!(
        "\
Usage: {name} [--backend nop|memory|text|json] [--pods N] [--workers N]
{indent}[--iterations N | --seconds S] [--log-file PATH]
{indent}[--trace-out PATH] [--folded-out PATH] [--deterministic-ids]

{about}
A summary goes to stdout. Text and json lines go to stderr, or to a file in
the temporary directory when stderr is a terminal.

Options:
  --backend <B>     nop, memory, text or json [default: json]
  --pods <N>        pods in the simulated cluster, 1 to 100000 [default: {DEFAULT_PODS}]
  --workers <N>     {workers_are} that take keys off the queue, 1 to 64 [default: {default_workers}]
  --iterations <N>  rounds of pod changes, syncs and status syncs [default: {default_iterations}]
  --seconds <S>     run rounds for S seconds instead, up to 3600
  --log-file <PATH> write the text or json lines to PATH
  --trace-out <PATH> write the spans to PATH as a Trace Event file, a timeline
                    for https://ui.perfetto.dev or speedscope
  --folded-out <PATH>
                    write the spans to PATH as folded stacks, for a flame
                    graph: inferno-flamegraph < PATH > run.svg
  --deterministic-ids
                    span and trace ids count up from 1, for tests
                    [default: random W3C ids]
  -h, --help        print this help"
    )
}

/// Parses the flags: `Ok(None)` asks for help, and `Err` holds a message for
/// the user.
fn parse_args(
    program: &Program,
    args: impl IntoIterator<Item = OsString>,
) -> Result<Option<Options>, String> {
    let mut opts = Options {
        backend: BackendKind::Json,
        pods: DEFAULT_PODS,
        workers: program.default_workers,
        until: Until::Rounds(program.default_iterations),
        log_file: None,
        trace_out: None,
        folded_out: None,
        deterministic_ids: false,
    };
    let (mut iterations, mut seconds) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| format!("argument {arg:?} is not valid UTF-8"))?;
        // `--flag value` or `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg, None),
        };
        let has_value = inline.is_some();
        let value = || take_value(&flag, inline, &mut args);
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--backend" => opts.backend = parse_backend(&value()?)?,
            "--pods" => opts.pods = parse_number(&flag, &value()?, 1..=100_000)? as usize,
            "--workers" => opts.workers = parse_number(&flag, &value()?, 1..=64)? as usize,
            "--iterations" => {
                iterations = Some(parse_number(&flag, &value()?, 1..=u32::MAX.into())?)
            }
            "--seconds" => seconds = Some(parse_seconds(&value()?)?),
            "--log-file" => opts.log_file = Some(parse_path(&flag, value()?)?),
            "--trace-out" => opts.trace_out = Some(parse_path(&flag, value()?)?),
            "--folded-out" => opts.folded_out = Some(parse_path(&flag, value()?)?),
            "--deterministic-ids" if !has_value => opts.deterministic_ids = true,
            "--deterministic-ids" => return Err(format!("{flag} takes no value")),
            _ if flag.starts_with('-') => return Err(format!("unknown flag `{flag}`")),
            _ => return Err(format!("unexpected argument `{flag}`")),
        }
    }
    opts.until = match (iterations, seconds) {
        (Some(_), Some(_)) => return Err("give --iterations or --seconds, not both".into()),
        (Some(rounds), None) => Until::Rounds(rounds),
        (None, Some(limit)) => Until::Elapsed(limit),
        (None, None) => opts.until,
    };
    if opts.log_file.is_some() && matches!(opts.backend, BackendKind::Nop | BackendKind::Memory) {
        let backend = opts.backend.name();
        return Err(format!(
            "--backend {backend} writes no lines: --log-file needs text or json"
        ));
    }
    if opts.backend == BackendKind::Nop {
        let flag = match (&opts.trace_out, &opts.folded_out) {
            (Some(_), _) => Some("--trace-out"),
            (None, Some(_)) => Some("--folded-out"),
            (None, None) => None,
        };
        if let Some(flag) = flag {
            return Err(format!(
                "--backend nop records no spans: {flag} needs memory, text or json"
            ));
        }
    }
    Ok(Some(opts))
}

impl Options {
    /// Whether the run writes its spans to a file.
    pub(crate) fn exports_spans(&self) -> bool {
        self.trace_out.is_some() || self.folded_out.is_some()
    }
}

/// The value of `flag`: after its `=`, or else the next argument.
fn take_value(
    flag: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
) -> Result<String, String> {
    if let Some(value) = inline {
        return Ok(value);
    }
    match rest.next().map(OsString::into_string) {
        Some(Ok(value)) => Ok(value),
        Some(Err(value)) => Err(format!("{flag}: value {value:?} is not valid UTF-8")),
        None => Err(format!("{flag} needs a value")),
    }
}

fn parse_backend(value: &str) -> Result<BackendKind, String> {
    match value {
        "nop" => Ok(BackendKind::Nop),
        "memory" => Ok(BackendKind::Memory),
        "text" => Ok(BackendKind::Text),
        "json" => Ok(BackendKind::Json),
        _ => Err(format!(
            "--backend takes nop, memory, text or json, not `{value}`"
        )),
    }
}

fn parse_number(flag: &str, value: &str, range: RangeInclusive<u64>) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{flag} takes a whole number from {} to {}, not `{value}`",
            range.start(),
            range.end()
        )),
    }
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "--seconds takes a number of seconds above 0 and up to 3600, not `{value}`"
        )),
    }
}

fn parse_path(flag: &str, value: String) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err(format!("{flag} needs a path, not an empty string"));
    }
    Ok(PathBuf::from(value))
}
