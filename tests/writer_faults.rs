//! Faults that must stay inside the writer loggers: a `Display` that logs to
//! the logger it is being written to (no deadlock), a slow `Display` (no
//! stall of the other threads), a writer that panics part-way through a line
//! (caught, counted, the next line clean), a pair whose one side panics (the
//! other side and the span event survive), a buffered writer over a dead
//! destination (flush errors counted, the drop not silent), and a `Display`
//! that returns `fmt::Error` (no panic, the partial text kept).
#![cfg(feature = "std")]

mod support;

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use ctxtrace::{
    Ctx, JsonLogger, Logger, MemoryLogger, MemoryTracer, NopTracer, Span, TextLogger, Tracer,
};
use support::{Capture, logfmt};

/// A JSON line as a map, or a panic naming the line.
fn json(line: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(line) {
        Ok(serde_json::Value::Object(map)) => map,
        other => panic!("not a JSON object: {line:?} ({other:?})"),
    }
}

/// A logfmt line's value for `key`.
fn text_value(line: &str, key: &str) -> String {
    let members = logfmt(line).unwrap_or_else(|e| panic!("not logfmt: {line:?}: {e}"));
    let found = members.into_iter().find(|(k, _)| k == key);
    found.unwrap_or_else(|| panic!("no {key} in {line:?}")).1
}

/// Runs `f`, failing the test if it has not returned after 10 s: a deadlock
/// fails the test instead of hanging it. Under miri, which cannot wait on a
/// clock cheaply, `f` runs on this thread.
fn finishes<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    if cfg!(miri) {
        return f();
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the logger deadlocked (no return within 10 s)")
}

// ---------------------------------------------------------------------------
// A `Display` that logs to the logger it is written to

/// Logs `inner` to its `Ctx` each time it is shown, then shows `shown`.
struct LogsWhenShown<T: Tracer, L: Logger>(Ctx<T, L>);

impl<T: Tracer, L: Logger> fmt::Display for LogsWhenShown<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ctxtrace::info!(self.0, "inner"; depth = 2u32);
        f.write_str("shown")
    }
}

#[test]
fn a_display_that_logs_to_the_same_json_logger_gets_its_own_line() {
    let out = Capture::new();
    let logger = JsonLogger::new(out.clone()).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone()).with_field("pod", "web-1");
    finishes(move || ctxtrace::info!(ctx, "outer {}", LogsWhenShown(ctx.clone()); depth = 1u32));
    let lines = out.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (inner, outer) = (json(&lines[0]), json(&lines[1]));
    assert_eq!(
        (inner["msg"].as_str(), inner["depth"].as_u64()),
        (Some("inner"), Some(2))
    );
    assert_eq!(outer["msg"].as_str(), Some("outer shown"));
    assert_eq!(
        (outer["pod"].as_str(), outer["depth"].as_u64()),
        (Some("web-1"), Some(1))
    );
    assert_eq!((logger.lines(), logger.errors()), (2, 0));
}

#[test]
fn a_display_that_logs_to_the_same_text_logger_gets_its_own_line() {
    let out = Capture::new();
    let logger = TextLogger::new(out.clone()).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone()).with_field("pod", "web-1");
    finishes(move || {
        let shown = LogsWhenShown(ctx.clone());
        ctxtrace::info!(ctx, "outer"; value = ctxtrace::display(&shown), depth = 1u32);
    });
    assert_eq!(
        out.lines(),
        [
            "level=info msg=inner pod=web-1 depth=2",
            "level=info msg=outer pod=web-1 value=shown depth=1",
        ]
    );
    assert_eq!(logger.lines(), 2);
}

#[test]
fn a_display_that_logs_to_the_same_json_and_memory_pair_gets_its_own_entry() {
    let out = Capture::new();
    let json_logger = JsonLogger::new(out.clone()).without_time();
    let memory = MemoryLogger::new();
    let ctx = Ctx::new(NopTracer, (json_logger.clone(), memory.clone()));
    finishes(move || ctxtrace::info!(ctx, "outer {}", LogsWhenShown(ctx.clone())));
    // Each side shows the value once, and each showing logs to both sides.
    let lines = out.lines();
    let messages: Vec<_> = lines.iter().map(|l| json(l)["msg"].clone()).collect();
    assert_eq!(messages, ["inner", "outer shown", "inner"], "{lines:?}");
    let entries = memory.entries();
    let messages: Vec<_> = entries.iter().map(|e| e.message()).collect();
    assert_eq!(messages, ["inner", "inner", "outer shown"]);
}

// ---------------------------------------------------------------------------
// A slow `Display` does not stall the other threads

/// Says it started, then takes 800 ms to show itself.
struct Slow(mpsc::SyncSender<()>);

impl fmt::Display for Slow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = self.0.try_send(());
        std::thread::sleep(Duration::from_millis(800));
        f.write_str("slow")
    }
}

/// How long another thread's plain `info!` takes while one thread is inside
/// an 800 ms `Display` of a line for the same logger.
fn plain_line_beside_a_slow_display<L: Logger + Send + Sync + 'static>(logger: L) -> Duration {
    let ctx = Ctx::new(NopTracer, logger);
    let (started_tx, started_rx) = mpsc::sync_channel(1);
    let slow_ctx = ctx.clone();
    let slow = std::thread::spawn(move || {
        ctxtrace::info!(slow_ctx, "waiting on {}", Slow(started_tx));
    });
    started_rx.recv().expect("the slow display started");
    let start = Instant::now();
    ctxtrace::info!(ctx, "plain");
    let took = start.elapsed();
    slow.join().expect("the slow thread finished");
    took
}

#[test]
#[cfg_attr(miri, ignore)] // sleeps 800 ms on a real thread
fn a_slow_display_does_not_stall_another_threads_json_line() {
    let out = Capture::new();
    let logger = JsonLogger::new(out.clone()).without_time();
    let took = plain_line_beside_a_slow_display(logger.clone());
    assert!(
        took < Duration::from_millis(400),
        "the plain line waited {took:?}"
    );
    let lines = out.lines();
    let messages: Vec<_> = lines.iter().map(|l| json(l)["msg"].clone()).collect();
    assert_eq!(messages, ["plain", "waiting on slow"]);
}

#[test]
#[cfg_attr(miri, ignore)] // sleeps 800 ms on a real thread
fn a_slow_display_does_not_stall_another_threads_text_line() {
    let out = Capture::new();
    let logger = TextLogger::new(out.clone()).without_time();
    let took = plain_line_beside_a_slow_display(logger.clone());
    assert!(
        took < Duration::from_millis(400),
        "the plain line waited {took:?}"
    );
    assert_eq!(
        out.lines(),
        ["level=info msg=plain", "level=info msg=\"waiting on slow\""]
    );
}

// ---------------------------------------------------------------------------
// A writer that panics

/// Takes half of the first line it is offered, then panics on the next write
/// while `armed`; once disarmed it takes everything.
#[derive(Clone)]
struct HalfThenPanic {
    out: Capture,
    calls: Arc<AtomicUsize>,
    armed: Arc<AtomicBool>,
}

impl HalfThenPanic {
    fn new() -> Self {
        HalfThenPanic {
            out: Capture::new(),
            calls: Arc::default(),
            armed: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl Write for HalfThenPanic {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.armed.load(Ordering::SeqCst) {
            return self.out.write(buf);
        }
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return self.out.write(&buf[..buf.len() / 2]);
        }
        self.armed.store(false, Ordering::SeqCst);
        panic!("the destination went away mid-line");
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_writer_that_panics_after_half_a_line_is_contained_in_json() {
    let writer = HalfThenPanic::new();
    let logger = JsonLogger::new(writer.clone()).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone());
    // Neither call panics here.
    ctxtrace::info!(ctx, "one, the line that breaks");
    assert_eq!((logger.lines(), logger.errors()), (0, 1));
    ctxtrace::info!(ctx, "two, the line after");
    assert_eq!((logger.lines(), logger.errors()), (1, 1));
    let lines = writer.out.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(serde_json::from_str::<serde_json::Value>(&lines[0]).is_err());
    assert_eq!(json(&lines[1])["msg"], "two, the line after");
}

#[test]
fn a_writer_that_panics_after_half_a_line_is_contained_in_text() {
    let writer = HalfThenPanic::new();
    let logger = TextLogger::new(writer.clone()).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(ctx, "one, the line that breaks");
    ctxtrace::info!(ctx, "two, the line after");
    assert_eq!((logger.lines(), logger.errors()), (1, 1));
    let lines = writer.out.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], "level=info msg=\"two, the line after\"");
    assert_eq!(text_value(&lines[1], "msg"), "two, the line after");
}

/// A writer that panics on every write.
struct Panics;

impl Write for Panics {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        panic!("this writer always panics");
    }

    fn flush(&mut self) -> io::Result<()> {
        panic!("this writer panics in flush too");
    }
}

#[test]
fn a_pair_whose_first_side_panics_keeps_the_second_side_and_the_span_event() {
    let tracer = MemoryTracer::new();
    let broken = JsonLogger::new(Panics);
    let memory = MemoryLogger::new();
    let ctx = Ctx::new(tracer.clone(), (broken.clone(), memory.clone()));
    {
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", "web-1");
        ctxtrace::warn!(ctx, "requeue"; attempt = 2u32);
    }
    assert_eq!((broken.lines(), broken.errors()), (0, 1));
    assert!(broken.flush().is_err(), "a panic in flush is an error");
    assert_eq!(broken.errors(), 2);
    let entries = memory.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message(), "requeue");
    assert_eq!(
        entries[0].field("pod").map(|v| v.to_string()).as_deref(),
        Some("web-1")
    );
    let spans = tracer.spans();
    assert_eq!(spans.len(), 1);
    let span = spans.find("sync_pod").expect("the span");
    let events: Vec<_> = span.events().map(|e| e.message().to_owned()).collect();
    assert_eq!(events, ["requeue"]);
}

// ---------------------------------------------------------------------------
// A buffered writer over a dead destination

/// A destination that refuses every byte, counting the attempts.
#[derive(Clone, Default)]
struct Dead(Arc<AtomicUsize>);

impl Write for Dead {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn flush_errors_of_a_buffered_dead_destination_are_counted() {
    let dead = Dead::default();
    let logger = JsonLogger::new(io::BufWriter::with_capacity(1 << 16, dead.clone()));
    let ctx = Ctx::new(NopTracer, logger.clone());
    for n in 0..100u32 {
        ctxtrace::info!(ctx, "line {}", n);
    }
    // Every line fits in the buffer: nothing has failed yet.
    assert_eq!((logger.lines(), logger.errors()), (100, 0));
    let err = logger.flush().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(logger.errors(), 1);
    let err = logger.clone().close().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(logger.errors(), 2);
    assert!(dead.0.load(Ordering::SeqCst) >= 2);
}

/// The child half of `dropping_a_logger_over_a_dead_destination_reports_it`.
const CHILD: &str = "CTXTRACE_WRITER_FAULTS_CHILD";

#[test]
#[cfg_attr(miri, ignore)] // runs this test binary again as a child process
fn dropping_a_logger_over_a_dead_destination_reports_it() {
    if std::env::var_os(CHILD).is_some() {
        // In the child: log into the buffer and drop every clone.
        let logger = TextLogger::new(io::BufWriter::new(Dead::default()));
        ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "lost");
        drop(logger);
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let child = std::process::Command::new(exe)
        .args([
            "--exact",
            "dropping_a_logger_over_a_dead_destination_reports_it",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the child ran");
    assert!(child.status.success(), "{child:?}");
    let stderr = String::from_utf8_lossy(&child.stderr);
    let reports: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("ctxtrace: "))
        .collect();
    assert_eq!(reports.len(), 1, "{stderr}");
    assert!(reports[0].contains("TextLogger"), "{}", reports[0]);
    assert!(reports[0].contains("failed to flush"), "{}", reports[0]);
    assert!(reports[0].contains("1 lines written"), "{}", reports[0]);
}

#[test]
fn a_logger_whose_flush_succeeded_reports_nothing_and_flushes_on_drop() {
    /// Counts its flushes; takes every byte.
    #[derive(Clone, Default)]
    struct Counted(Capture, Arc<AtomicUsize>);
    impl Write for Counted {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.1.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let writer = Counted::default();
    let logger = JsonLogger::new(writer.clone());
    ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "x");
    assert_eq!(writer.1.load(Ordering::SeqCst), 0);
    let clone = logger.clone();
    drop(logger);
    assert_eq!(writer.1.load(Ordering::SeqCst), 0, "a clone is still alive");
    drop(clone);
    assert_eq!(writer.1.load(Ordering::SeqCst), 1, "the last drop flushes");
    // Nothing written since the last flush: no flush on drop.
    let logger = JsonLogger::new(writer.clone());
    ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "y");
    logger.flush().unwrap();
    drop(logger);
    assert_eq!(writer.1.load(Ordering::SeqCst), 2);
    assert_eq!(writer.0.lines().len(), 2);
}

// ---------------------------------------------------------------------------
// A `Display` that returns `fmt::Error`

/// Writes `part` and then fails, as a `Display` over a broken source might.
struct FailsPartWay;

impl fmt::Display for FailsPartWay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("part")?;
        Err(fmt::Error)
    }
}

#[test]
fn a_display_returning_fmt_error_keeps_its_partial_text_in_memory() {
    let logger = MemoryLogger::new();
    let ctx =
        Ctx::new(NopTracer, logger.clone()).with_field("ctx", ctxtrace::display(&FailsPartWay));
    ctxtrace::info!(ctx, "m {} end", FailsPartWay; entry = ctxtrace::display(&FailsPartWay));
    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].message().starts_with("m part"),
        "{}",
        entries[0].message()
    );
    let field = |k: &str| entries[0].field(k).map(|v| v.to_string());
    assert_eq!(field("ctx").as_deref(), Some("part"));
    assert_eq!(field("entry").as_deref(), Some("part"));
}

#[test]
fn a_display_returning_fmt_error_keeps_its_partial_text_in_json() {
    let out = Capture::new();
    let logger = JsonLogger::new(out.clone()).without_time();
    let ctx =
        Ctx::new(NopTracer, logger.clone()).with_field("ctx", ctxtrace::display(&FailsPartWay));
    ctxtrace::info!(ctx, "m {} end", FailsPartWay; entry = ctxtrace::display(&FailsPartWay));
    let line = json(&out.line());
    assert!(
        line["msg"].as_str().unwrap().starts_with("m part"),
        "{line:?}"
    );
    assert_eq!(
        (line["ctx"].as_str(), line["entry"].as_str()),
        (Some("part"), Some("part"))
    );
}

#[test]
fn a_display_returning_fmt_error_keeps_its_partial_text_in_text() {
    let out = Capture::new();
    let logger = TextLogger::new(out.clone()).without_time();
    let ctx =
        Ctx::new(NopTracer, logger.clone()).with_field("ctx", ctxtrace::display(&FailsPartWay));
    ctxtrace::info!(ctx, "m {} end", FailsPartWay; entry = ctxtrace::display(&FailsPartWay));
    let line = out.line();
    assert!(text_value(&line, "msg").starts_with("m part"), "{line}");
    assert_eq!(text_value(&line, "ctx"), "part");
    assert_eq!(text_value(&line, "entry"), "part");
}
