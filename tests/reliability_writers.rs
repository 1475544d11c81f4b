//! Failing writers: errors on every write, errors on some, short writes,
//! `WouldBlock`, `Interrupted`, `Ok(0)`, and a writer that blocks while other
//! threads log. For each, with `JsonLogger` and `TextLogger`: no panic, the
//! error count is exact, and every line that was not lost to an error
//! arrives whole.

#![cfg(feature = "std")]

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use ctxtrace::{Ctx, JsonLogger, Logger, ManualClock, NopTracer, TextLogger};

#[path = "support/logfmt.rs"]
mod logfmt;

/// Threads and lines per thread; small under miri.
const THREADS: usize = if cfg!(miri) { 2 } else { 4 };
const PER_THREAD: usize = if cfg!(miri) { 5 } else { 250 };

// ---------------------------------------------------------------------------
// The two writer loggers behind one interface

trait Format {
    type L<W: Write + Send + 'static>: Logger + Send + Sync + 'static;
    fn new<W: Write + Send + 'static>(writer: W) -> Self::L<W>;
    fn lines<W: Write + Send + 'static>(logger: &Self::L<W>) -> u64;
    fn errors<W: Write + Send + 'static>(logger: &Self::L<W>) -> u64;
    /// The line's message, if the line is whole and valid.
    fn message(line: &str) -> Option<String>;
}

struct Json;
struct Text;

impl Format for Json {
    type L<W: Write + Send + 'static> = JsonLogger<W, ManualClock>;
    fn new<W: Write + Send + 'static>(writer: W) -> JsonLogger<W, ManualClock> {
        JsonLogger::with_clock(writer, ManualClock::new(0))
    }
    fn lines<W: Write + Send + 'static>(logger: &JsonLogger<W, ManualClock>) -> u64 {
        logger.lines()
    }
    fn errors<W: Write + Send + 'static>(logger: &JsonLogger<W, ManualClock>) -> u64 {
        logger.errors()
    }
    fn message(line: &str) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        Some(value.get("msg")?.as_str()?.to_string())
    }
}

impl Format for Text {
    type L<W: Write + Send + 'static> = TextLogger<W, ManualClock>;
    fn new<W: Write + Send + 'static>(writer: W) -> TextLogger<W, ManualClock> {
        TextLogger::with_clock(writer, ManualClock::new(0))
    }
    fn lines<W: Write + Send + 'static>(logger: &TextLogger<W, ManualClock>) -> u64 {
        logger.lines()
    }
    fn errors<W: Write + Send + 'static>(logger: &TextLogger<W, ManualClock>) -> u64 {
        logger.errors()
    }
    fn message(line: &str) -> Option<String> {
        let pairs = logfmt::parse(line).ok()?;
        pairs.into_iter().find(|(k, _)| k == "msg").map(|(_, v)| v)
    }
}

/// Runs a generic test for both formats: `name::json` and `name::text`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn json() {
                super::$name::<super::Json>();
            }
            #[test]
            fn text() {
                super::$name::<super::Text>();
            }
        }
    )*};
}

both!(
    every_write_fails,
    marked_writes_fail,
    short_writes_are_completed,
    interrupted_is_retried_not_counted,
    would_block_is_an_error,
    a_line_cut_short_does_not_break_the_next,
    ok_zero_is_an_error,
    a_blocked_writer_holds_the_others_until_it_returns,
);

// ---------------------------------------------------------------------------
// Writers

/// Bytes the test reads while the logger owns the writer.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<u8>>>);

impl Output {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// What a scripted writer does on one `write` call.
enum Step {
    /// Takes at most this many bytes.
    Take(usize),
    /// Takes everything.
    All,
    /// Fails with this kind, having taken nothing.
    Fail(io::ErrorKind),
    /// Returns `Ok(0)`.
    Zero,
}

/// A writer that asks `script` what to do on each call, given the call's
/// number (from 1) and the bytes offered.
struct Scripted<F> {
    out: Output,
    calls: u64,
    script: F,
}

fn scripted<F: FnMut(u64, &[u8]) -> Step + Send + 'static>(script: F) -> (Scripted<F>, Output) {
    let out = Output::default();
    (
        Scripted {
            out: out.clone(),
            calls: 0,
            script,
        },
        out,
    )
}

impl<F: FnMut(u64, &[u8]) -> Step> Write for Scripted<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        let n = match (self.script)(self.calls, buf) {
            Step::Take(n) => n.min(buf.len()),
            Step::All => buf.len(),
            Step::Fail(kind) => return Err(kind.into()),
            Step::Zero => 0,
        };
        self.out.0.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Logs `PER_THREAD` lines from each of `THREADS` threads, with messages
/// `t<thread> n<line>`, through one logger.
fn log_from_threads<L: Logger + Send + Sync + 'static>(logger: &L) {
    thread::scope(|s| {
        for t in 0..THREADS {
            let ctx = Ctx::new(NopTracer, logger.clone()).with_field("thread", t);
            s.spawn(move || {
                for n in 0..PER_THREAD {
                    ctxtrace::info!(ctx, "t{t} n{n}");
                }
            });
        }
    });
}

/// Checks that `out` holds exactly the messages `expected(t, n)` selects,
/// each on a whole, valid line, each thread's in order.
fn assert_lines<F: Format>(out: &str, expected: impl Fn(usize, usize) -> bool) {
    assert!(out.is_empty() || out.ends_with('\n'));
    let mut next: HashMap<usize, usize> = HashMap::new();
    let mut count = 0;
    for line in out.lines() {
        let message = F::message(line).unwrap_or_else(|| panic!("not a whole line: {line:?}"));
        let (t, n) = message[1..].split_once(" n").unwrap();
        let (t, n): (usize, usize) = (t.parse().unwrap(), n.parse().unwrap());
        let from = next.entry(t).or_default();
        let want = (*from..PER_THREAD)
            .find(|&n| expected(t, n))
            .expect("a line that should have been lost");
        assert_eq!(n, want, "thread {t}'s lines out of order or missing");
        *from = n + 1;
        count += 1;
    }
    let total = (0..THREADS)
        .flat_map(|t| (0..PER_THREAD).map(move |n| (t, n)))
        .filter(|&(t, n)| expected(t, n));
    assert_eq!(count, total.count());
}

// ---------------------------------------------------------------------------
// The cases

fn every_write_fails<F: Format>() {
    let (writer, out) = scripted(|_, _| Step::Fail(io::ErrorKind::BrokenPipe));
    let logger = F::new(writer);
    log_from_threads(&logger);
    assert_eq!(F::errors(&logger), (THREADS * PER_THREAD) as u64);
    assert_eq!(F::lines(&logger), 0);
    assert_eq!(out.text(), "");
}

/// The lines whose message ends in a multiple of 3 fail, wherever they fall
/// among the threads' lines: the count is exact and the others arrive.
fn marked_writes_fail<F: Format>() {
    let fails = |n: usize| n % 3 == 0;
    let (writer, out) = scripted(move |_, buf| {
        let line = String::from_utf8_lossy(buf);
        let n: usize = line
            .split(" n")
            .nth(1)
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        if fails(n) {
            Step::Fail(io::ErrorKind::Other)
        } else {
            Step::All
        }
    });
    let logger = F::new(writer);
    log_from_threads(&logger);
    let failed = THREADS * (0..PER_THREAD).filter(|&n| fails(n)).count();
    assert_eq!(F::errors(&logger), failed as u64);
    assert_eq!(F::lines(&logger), (THREADS * PER_THREAD - failed) as u64);
    assert_lines::<F>(&out.text(), |_, n| !fails(n));
}

fn short_writes_are_completed<F: Format>() {
    let (writer, out) = scripted(|call, _| Step::Take(1 + (call % 7) as usize));
    let logger = F::new(writer);
    log_from_threads(&logger);
    assert_eq!(
        (F::lines(&logger), F::errors(&logger)),
        ((THREADS * PER_THREAD) as u64, 0)
    );
    assert_lines::<F>(&out.text(), |_, _| true);
}

fn interrupted_is_retried_not_counted<F: Format>() {
    let (writer, out) = scripted(|call, _| {
        if call % 2 == 0 {
            Step::Fail(io::ErrorKind::Interrupted)
        } else {
            Step::Take(1 + (call % 5) as usize * 8)
        }
    });
    let logger = F::new(writer);
    log_from_threads(&logger);
    assert_eq!(
        (F::lines(&logger), F::errors(&logger)),
        ((THREADS * PER_THREAD) as u64, 0)
    );
    assert_lines::<F>(&out.text(), |_, _| true);
}

/// `WouldBlock` is not retried (that would spin): the line is counted as an
/// error and the next one is written.
fn would_block_is_an_error<F: Format>() {
    let (writer, out) = scripted(|call, _| {
        if call % 4 == 0 {
            Step::Fail(io::ErrorKind::WouldBlock)
        } else {
            Step::All
        }
    });
    let logger = F::new(writer);
    let ctx = Ctx::new(NopTracer, logger.clone());
    for n in 0..20 {
        ctxtrace::info!(ctx, "t0 n{n}");
    }
    assert_eq!((F::lines(&logger), F::errors(&logger)), (15, 5));
    let messages: Vec<String> = out.text().lines().map(|l| F::message(l).unwrap()).collect();
    let expected: Vec<String> = (0..20)
        .filter(|n| (n + 1) % 4 != 0)
        .map(|n| format!("t0 n{n}"))
        .collect();
    assert_eq!(messages, expected);
}

/// A line that fails part-way (here: `WouldBlock` after a short write) is
/// counted, and the next line starts on a line of its own: one broken line,
/// no empty line, the rest whole. When a later attempt gets only the mending
/// newline out before it fails, no second newline follows.
fn a_line_cut_short_does_not_break_the_next<F: Format>() {
    let (writer, out) = scripted(|call, _| match call {
        1 => Step::Take(10),
        2 => Step::Fail(io::ErrorKind::WouldBlock),
        3 => Step::Take(1),
        4 => Step::Fail(io::ErrorKind::WouldBlock),
        _ => Step::All,
    });
    let logger = F::new(writer);
    let ctx = Ctx::new(NopTracer, logger.clone());
    for n in 0..4 {
        ctxtrace::info!(ctx, "t0 n{n}");
    }
    assert_eq!((F::lines(&logger), F::errors(&logger)), (2, 2));
    let text = out.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    assert_eq!(lines[0].len(), 10);
    assert_eq!(F::message(lines[0]), None);
    assert_eq!(F::message(lines[1]).as_deref(), Some("t0 n2"));
    assert_eq!(F::message(lines[2]).as_deref(), Some("t0 n3"));
}

/// `Ok(0)` means the writer can take no more: an error, not a busy loop.
fn ok_zero_is_an_error<F: Format>() {
    let (writer, out) = scripted(|call, _| if call == 1 { Step::Zero } else { Step::All });
    let logger = F::new(writer);
    let ctx = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(ctx, "t0 n0");
    ctxtrace::info!(ctx, "t0 n1");
    assert_eq!((F::lines(&logger), F::errors(&logger)), (1, 1));
    assert_eq!(
        out.text()
            .lines()
            .map(|l| F::message(l).unwrap())
            .collect::<Vec<_>>(),
        ["t0 n1"]
    );
}

/// A writer whose first write blocks until the test lets it go.
struct Gate {
    out: Output,
    entered: Option<mpsc::Sender<()>>,
    release: Option<mpsc::Receiver<()>>,
}

impl Write for Gate {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let (Some(entered), Some(release)) = (self.entered.take(), self.release.take()) {
            entered.send(()).unwrap();
            release.recv().unwrap();
        }
        self.out.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One thread's write blocks (on a channel the test holds); other threads
/// log meanwhile. They wait for the writer, nothing is written while it is
/// blocked, and once it returns every line arrives, whole and in order.
fn a_blocked_writer_holds_the_others_until_it_returns<F: Format>() {
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let out = Output::default();
    let gate = Gate {
        out: out.clone(),
        entered: Some(entered_tx),
        release: Some(release_rx),
    };
    let logger = F::new(gate);

    let slow = {
        let ctx = Ctx::new(NopTracer, logger.clone());
        thread::spawn(move || ctxtrace::info!(ctx, "slow"))
    };
    entered_rx.recv().unwrap();

    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let ctx = Ctx::new(NopTracer, logger.clone());
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                for n in 0..PER_THREAD {
                    ctxtrace::info!(ctx, "t{t} n{n}");
                }
            })
        })
        .collect();
    barrier.wait();
    // The workers are logging now, and must wait: the writer has not
    // returned, so nothing has been written.
    assert_eq!(out.text(), "");
    assert_eq!(F::lines(&logger), 0);

    release_tx.send(()).unwrap();
    slow.join().unwrap();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(
        (F::lines(&logger), F::errors(&logger)),
        ((THREADS * PER_THREAD + 1) as u64, 0)
    );
    let text = out.text();
    let (first, rest) = text.split_once('\n').unwrap();
    assert_eq!(F::message(first).as_deref(), Some("slow"));
    assert_lines::<F>(rest, |_, _| true);
}
