//! The one place that knows the backends: picks the tracer and the logger
//! from `--backend`, runs a controller with them, and reads back what they
//! saw.

use std::env;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process;

use ctxtrace::{
    Ctx, Either, Ids, JsonLogger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, SendLogger,
    SendTracer, TextLogger,
};

use crate::options::{BackendKind, Options, Program};
use crate::report::{BackendReport, LineReport, LinesTo, RunReport};

/// Finished spans, and memory log entries, that the recorders keep. The
/// summary needs only recent spans, so this is less than the recorders'
/// default (`ctxtrace::DEFAULT_CAPACITY`), and a long run stays small.
const RECORDER_CAPACITY: usize = 16_384;

/// How many lines of a log file the summary shows.
const SAMPLE_LINES: usize = 3;

/// A controller that runs with any backend: [`run`] calls it once, with the
/// `Ctx` that `--backend` asks for.
///
/// `SendTracer` and `SendLogger` are the one bound each that lets the
/// controller hand the context to its threads or tasks.
pub(crate) trait Controller {
    fn run<T: SendTracer, L: SendLogger>(self, ctx: Ctx<T, L>, opts: &Options) -> RunReport;
}

/// The logger of every backend that records: the memory logger, logfmt or
/// JSON lines, chosen at run time in one type.
type Lines = Either<MemoryLogger, Either<TextLogger<LogWriter>, JsonLogger<LogWriter>>>;

/// Runs `controller` with the backend `opts` asks for.
///
/// The controller is compiled twice, not once per backend: for
/// `Ctx<NopTracer, NopLogger>`, which compiles away, and for one
/// `Ctx<MemoryTracer, Lines>`, whose [`Either`] picks the logger at run time
/// with no `dyn`. `nop` keeps its own copy because an `Either` carries its
/// widest side, and the point of `nop` is to cost nothing.
///
/// # Errors
///
/// A message for the user when the log file cannot be created.
pub(crate) fn run(
    program: &Program,
    opts: &Options,
    controller: impl Controller,
) -> Result<(RunReport, BackendReport), String> {
    if opts.backend == BackendKind::Nop {
        let run = controller.run(Ctx::new(NopTracer, NopLogger), opts);
        return Ok((run, BackendReport::default()));
    }
    let dest = Destination::choose(program, opts);
    let logger: Lines = match opts.backend {
        BackendKind::Text => {
            Either::Right(Either::Left(TextLogger::new(dest.open(program, opts)?)))
        }
        BackendKind::Json => {
            Either::Right(Either::Right(JsonLogger::new(dest.open(program, opts)?)))
        }
        _ => Either::Left(MemoryLogger::with_capacity(RECORDER_CAPACITY)),
    };
    let ids = if opts.deterministic_ids {
        Ids::Sequential
    } else {
        Ids::Random
    };
    let tracer = MemoryTracer::with_capacity(RECORDER_CAPACITY).with_ids(ids);
    let run = controller.run(Ctx::new(tracer.clone(), logger.clone()), opts);
    let lines = match &logger {
        Either::Left(memory) => LineReport {
            written: memory.entries().len() as u64 + memory.dropped(),
            errors: 0,
            to: LinesTo::Memory,
        },
        Either::Right(Either::Left(text)) => {
            let flushed = text.flush();
            dest.report(text.lines(), text.errors(), flushed)
        }
        Either::Right(Either::Right(json)) => {
            let flushed = json.flush();
            dest.report(json.lines(), json.errors(), flushed)
        }
    };
    Ok((run, BackendReport::new(lines, &tracer)))
}

/// Where the text and json lines go: the file `--log-file` names; else
/// stderr, unless stderr is a terminal, which a newcomer's first run would
/// flood with lines, so then a file in the temporary directory.
enum Destination {
    Stderr,
    File {
        path: PathBuf,
        /// Chosen because stderr is a terminal, not by `--log-file`.
        for_terminal: bool,
    },
}

impl Destination {
    fn choose(program: &Program, opts: &Options) -> Destination {
        if let Some(path) = &opts.log_file {
            return Destination::File {
                path: path.clone(),
                for_terminal: false,
            };
        }
        if !io::stderr().is_terminal() {
            return Destination::Stderr;
        }
        let name = format!("ctxtrace-{}-{}.log", program.name, process::id());
        Destination::File {
            path: env::temp_dir().join(name),
            for_terminal: true,
        }
    }

    /// The writer for the logger. When the lines go to a file because
    /// stderr is a terminal, stderr says so before the run starts.
    fn open(&self, program: &Program, opts: &Options) -> Result<LogWriter, String> {
        let path = match self {
            Destination::Stderr => return Ok(LogWriter::Stderr(io::stderr())),
            Destination::File { path, .. } => path,
        };
        let file = File::create(path)
            .map_err(|e| format!("cannot create the log file {}: {e}", path.display()))?;
        if let Destination::File {
            for_terminal: true, ..
        } = self
        {
            let _ = writeln!(
                io::stderr(),
                "{}: stderr is a terminal, so the {} lines go to {} (--log-file PATH to choose)",
                program.name,
                opts.backend.name(),
                path.display()
            );
        }
        Ok(LogWriter::File(BufWriter::with_capacity(1 << 16, file)))
    }

    /// What the summary says about the lines: how many, the write errors
    /// (the final flush's included), and where they went.
    fn report(self, written: u64, errors: u64, flushed: io::Result<()>) -> LineReport {
        let errors = errors + u64::from(flushed.is_err());
        let to = match self {
            Destination::Stderr => LinesTo::Stderr,
            Destination::File { path, .. } => {
                let samples = first_lines(&path, SAMPLE_LINES).unwrap_or_default();
                LinesTo::File { path, samples }
            }
        };
        LineReport {
            written,
            errors,
            to,
        }
    }
}

fn first_lines(path: &Path, n: usize) -> io::Result<Vec<String>> {
    BufReader::new(File::open(path)?).lines().take(n).collect()
}

/// The writer the text and json loggers write to.
#[derive(Debug)]
enum LogWriter {
    /// Unbuffered: each line reaches stderr whole, as it is logged.
    Stderr(io::Stderr),
    File(BufWriter<File>),
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            LogWriter::Stderr(w) => w.write(buf),
            LogWriter::File(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            LogWriter::Stderr(w) => w.flush(),
            LogWriter::File(w) => w.flush(),
        }
    }
}
