//! The one place that knows the backends: picks the tracer and the logger
//! from `--backend`, runs a controller with them, and reads back what they
//! saw.

use std::env;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process;

use ctxtrace::{
    Ctx, DEFAULT_CAPACITY, Either, FlushReport, Ids, JsonLogger, MemoryLogger, MemoryTracer,
    NonBlocking, NopLogger, NopTracer, SendLogger, SendTracer, TextLogger, Unlocked,
};

use crate::export;
use crate::options::{BackendKind, Options, Program};
use crate::report::{BackendReport, LineReport, LinesTo, RunReport};

/// Finished spans, and memory log entries, that the recorders keep. The
/// summary needs only recent spans, so this is less than the recorders'
/// default (`ctxtrace::DEFAULT_CAPACITY`), and a long run stays small.
const RECORDER_CAPACITY: usize = 16_384;

/// How many lines may wait for the destination. The text and json lines go
/// through a [`NonBlocking`] writer, so a slow or stuck stderr or disk never
/// holds up a sync; a line that finds the queue full is dropped, and the
/// summary counts it (`lines_dropped`). 8192 lines of about 400 bytes is
/// some 3 MiB at most. The loggers reach the queue [`Unlocked`]: it takes
/// each line whole by itself, so the workers share no lock of the logger's
/// on top of the queue's own.
const LINE_QUEUE: usize = 8192;

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
type Lines = Either<MemoryLogger, Either<TextLogger<Queue>, JsonLogger<Queue>>>;

/// Where the text and json loggers write: see [`LINE_QUEUE`].
type Queue = Unlocked<NonBlocking>;

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
    // Kept to the end: `finish` waits for the queued lines (3 s at most).
    let mut guard = None;
    let mut non_blocking = || -> Result<Queue, String> {
        let (writer, flush) = NonBlocking::new(dest.open(program, opts)?, LINE_QUEUE);
        guard = Some(flush);
        Ok(Unlocked::new(writer))
    };
    let logger: Lines = match opts.backend {
        BackendKind::Text => Either::Right(Either::Left(TextLogger::new(non_blocking()?))),
        BackendKind::Json => Either::Right(Either::Right(JsonLogger::new(non_blocking()?))),
        _ => Either::Left(MemoryLogger::with_capacity(RECORDER_CAPACITY)),
    };
    // A file of the spans keeps as many as a recorder does by default.
    let capacity = if opts.exports_spans() {
        DEFAULT_CAPACITY
    } else {
        RECORDER_CAPACITY
    };
    let ids = if opts.deterministic_ids {
        Ids::Sequential
    } else {
        Ids::Random
    };
    let tracer = MemoryTracer::with_capacity(capacity).with_ids(ids);
    let run = controller.run(Ctx::new(tracer.clone(), logger.clone()), opts);
    // The run is over and its threads are gone: no line comes after this.
    let flushed = guard.map(|guard| guard.finish().unwrap_or_else(|lost| lost));
    let exports = export::write(program, opts, &tracer.spans(), &run.threads)?;
    let lines = match &logger {
        Either::Left(memory) => LineReport {
            written: memory.entries().len() as u64 + memory.dropped(),
            errors: 0,
            dropped: 0,
            to: LinesTo::Memory,
        },
        Either::Right(Either::Left(text)) => dest.report(text.errors(), flushed),
        Either::Right(Either::Right(json)) => dest.report(json.errors(), flushed),
    };
    Ok((run, BackendReport::new(lines, &tracer, exports)))
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
            Destination::Stderr => {
                let stderr = BufWriter::with_capacity(1 << 16, io::stderr());
                return Ok(LogWriter::Stderr(stderr));
            }
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

    /// What the summary says about the lines: how many reached the
    /// destination, the write errors (the logger's and the background
    /// thread's, whose final flush is included), the lines dropped (queue
    /// full, or still queued when the wait at the end ran out), and where
    /// they went.
    fn report(self, logger_errors: u64, flushed: Option<FlushReport>) -> LineReport {
        let flushed = flushed.unwrap_or_default();
        let to = match self {
            Destination::Stderr => LinesTo::Stderr,
            Destination::File { path, .. } => {
                let samples = first_lines(&path, SAMPLE_LINES).unwrap_or_default();
                LinesTo::File { path, samples }
            }
        };
        LineReport {
            written: flushed.written,
            errors: logger_errors + flushed.errors,
            dropped: flushed.dropped + flushed.unwritten,
            to,
        }
    }
}

fn first_lines(path: &Path, n: usize) -> io::Result<Vec<String>> {
    BufReader::new(File::open(path)?).lines().take(n).collect()
}

/// The writer behind the text and json loggers' [`NonBlocking`] writer,
/// owned by its background thread.
#[derive(Debug)]
enum LogWriter {
    /// Buffered, as the file is: the background thread flushes it whenever
    /// its queue runs empty, so a line waits only while more are coming,
    /// and a burst costs a few large writes rather than one a line. Nothing
    /// else writes to stderr during the run, so lines stay whole.
    Stderr(BufWriter<io::Stderr>),
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
