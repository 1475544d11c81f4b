//! `NonBlocking`: a destination that blocks for good never stops the code
//! that logs, the drop count is exact, nothing is lost below the capacity or
//! in blocking mode, lines stay whole, writer faults are counted, and the
//! guard's wait at the end is bounded and reports what it could not write.

#![cfg(feature = "std")]

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ctxtrace::{Ctx, FlushReport, JsonLogger, NonBlocking, NopTracer, Overflow};

/// A destination whose lines the test can read, and whose writes can be
/// held at a gate until the test opens it.
#[derive(Clone, Default)]
struct Dest {
    out: Arc<Mutex<Vec<u8>>>,
    gate: Option<Arc<Gate>>,
}

#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Dest {
    /// A destination whose every write waits until `open` is called.
    fn gated() -> (Dest, Arc<Gate>) {
        let gate = Arc::new(Gate::default());
        let dest = Dest {
            out: Arc::default(),
            gate: Some(Arc::clone(&gate)),
        };
        (dest, gate)
    }

    fn text(&self) -> String {
        String::from_utf8(self.out.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Dest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(gate) = &self.gate {
            let mut open = gate.open.lock().unwrap();
            while !*open {
                open = gate.opened.wait(open).unwrap();
            }
        }
        self.out.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn the_drop_count_is_exact_and_the_queue_holds_exactly_its_capacity() {
    // Runs under miri too: no sleeps, the gate alone orders the threads.
    const CAPACITY: usize = 8;
    const MORE: u64 = 5;
    let (dest, gate) = Dest::gated();
    let (mut writer, guard) = NonBlocking::new(dest.clone(), CAPACITY);
    // The capacity counts the line the background thread holds at the gate,
    // so whenever it takes the first line, exactly CAPACITY are taken.
    for i in 0..CAPACITY {
        writer.write_all(format!("line {i}\n").as_bytes()).unwrap();
    }
    assert_eq!(writer.dropped(), 0);
    for i in 0..MORE {
        writer.write_all(format!("extra {i}\n").as_bytes()).unwrap();
    }
    assert_eq!(writer.dropped(), MORE);
    gate.open();
    let report = guard.finish().unwrap_err();
    assert_eq!(report.written, CAPACITY as u64);
    assert_eq!(
        (report.dropped, report.errors, report.unwritten),
        (MORE, 0, 0)
    );
    let want: Vec<String> = (0..CAPACITY).map(|i| format!("line {i}")).collect();
    assert_eq!(lines(&dest.text()), want);
}

#[test]
fn nothing_is_lost_below_the_capacity() {
    // Runs under miri too, with fewer lines.
    let n = if cfg!(miri) { 20 } else { 5_000 };
    let dest = Dest::default();
    let (writer, guard) = NonBlocking::new(dest.clone(), n);
    let ctx = Ctx::new(NopTracer, JsonLogger::new(writer).without_time());
    for i in 0..n {
        ctxtrace::info!(ctx, "line"; i = i);
    }
    drop(ctx);
    let report = guard.finish().unwrap();
    assert_eq!((report.written, report.dropped), (n as u64, 0));
    let text = dest.text();
    let got = lines(&text);
    assert_eq!(got.len(), n);
    for (i, line) in got.iter().enumerate() {
        assert!(
            line.ends_with(&format!(r#""msg":"line","i":{i}}}"#)),
            "{line}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore)] // a writer blocked until the end, and a time bound
fn a_writer_blocked_forever_does_not_stop_the_loop() {
    const CAPACITY: usize = 16;
    const N: usize = 20_000;
    let (dest, _gate) = Dest::gated(); // never opened
    let (writer, guard) = NonBlocking::builder(dest.clone())
        .capacity(CAPACITY)
        .flush_timeout(Duration::from_millis(200))
        .spawn()
        .unwrap();
    let logger = JsonLogger::new(writer.clone());
    let ctx = Ctx::new(NopTracer, logger.clone());
    let started = Instant::now();
    for i in 0..N {
        ctxtrace::info!(ctx, "syncing"; i = i);
    }
    let took = started.elapsed();
    // A plain writer would block on the first line; 20,000 queued or dropped
    // lines take milliseconds. The bound is generous for a loaded machine.
    assert!(took < Duration::from_secs(5), "the loop took {took:?}");
    assert_eq!(logger.lines(), N as u64);
    assert_eq!(writer.dropped(), (N - CAPACITY) as u64);
    let report = guard.finish().unwrap_err();
    assert_eq!(report.unwritten, CAPACITY as u64);
    assert_eq!(report.written, 0);
    assert_eq!(dest.text(), "");
}

#[test]
#[cfg_attr(miri, ignore)] // a writer blocked until the end, and a time bound
fn the_guard_waits_a_bounded_time_for_a_blocked_writer_and_reports_the_unwritten() {
    let timeout = Duration::from_millis(300);
    for finish in [true, false] {
        let (dest, _gate) = Dest::gated(); // never opened
        let (mut writer, guard) = NonBlocking::builder(dest)
            .capacity(4)
            .flush_timeout(timeout)
            .spawn()
            .unwrap();
        for _ in 0..3 {
            writer.write_all(b"stuck\n").unwrap();
        }
        let started = Instant::now();
        if finish {
            let report = guard.finish().unwrap_err();
            let want = (
                report.written,
                report.dropped,
                report.errors,
                report.unwritten,
            );
            assert_eq!(want, (0, 0, 0, 3), "{report}");
        } else {
            drop(guard); // and says so on stderr
        }
        let took = started.elapsed();
        assert!(took >= timeout, "gave up after {took:?}");
        assert!(took < timeout + Duration::from_secs(5), "waited {took:?}");
        // The writer takes no more lines once the guard is gone.
        writer.write_all(b"late\n").unwrap();
        assert_eq!(writer.dropped(), 1);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // many lines from 4 threads
fn blocking_mode_loses_nothing() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 2_000;
    let (dest, gate) = Dest::gated();
    let (writer, guard) = NonBlocking::builder(dest.clone())
        .capacity(2)
        .overflow(Overflow::Block)
        .spawn()
        .unwrap();
    let ctx = Ctx::new(NopTracer, JsonLogger::new(writer.clone()).without_time());
    thread::scope(|scope| {
        for t in 0..THREADS {
            let ctx = ctx.clone();
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    ctxtrace::info!(ctx, "line"; t = t, i = i);
                }
            });
        }
        // The threads wait for room while the destination is shut, and none
        // of their lines is dropped.
        thread::sleep(Duration::from_millis(50));
        assert_eq!(writer.dropped(), 0);
        gate.open();
    });
    drop(ctx);
    let report = guard.finish().unwrap();
    assert_eq!(report.written, (THREADS * PER_THREAD) as u64);
    let text = dest.text();
    let mut next = [0; THREADS];
    for line in lines(&text) {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = entry["t"].as_u64().unwrap() as usize;
        assert_eq!(entry["i"].as_u64().unwrap() as usize, next[t], "{line}");
        next[t] += 1;
    }
    assert_eq!(next, [PER_THREAD; THREADS]);
}

#[test]
#[cfg_attr(miri, ignore)] // many lines from 4 threads
fn lines_from_four_threads_are_whole_and_every_one_is_counted() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 5_000;
    let dest = Dest::default();
    // A small queue, so that lines are dropped as well as written.
    let (writer, guard) = NonBlocking::new(dest.clone(), 8);
    let ctx = Ctx::new(NopTracer, JsonLogger::new(writer).without_time());
    let long = "x".repeat(300);
    thread::scope(|scope| {
        for t in 0..THREADS {
            let (ctx, long) = (ctx.clone(), long.as_str());
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    ctxtrace::info!(ctx, "line"; t = t, i = i, pad = long);
                }
            });
        }
    });
    drop(ctx);
    let report = guard.finish().unwrap_or_else(|lost| lost);
    assert_eq!(
        report.written + report.dropped,
        (THREADS * PER_THREAD) as u64
    );
    assert_eq!((report.errors, report.unwritten), (0, 0));
    let text = dest.text();
    assert_eq!(lines(&text).len() as u64, report.written);
    let mut last = [None; THREADS];
    for line in lines(&text) {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(entry["pad"], long.as_str());
        let (t, i) = (entry["t"].as_u64().unwrap() as usize, entry["i"].as_u64());
        // Each thread's lines keep their order; some may be missing.
        assert!(last[t] < i, "{line}");
        last[t] = i;
    }
}

/// Writes the first line, half of the second and then fails, panics on the
/// third, and writes the rest.
struct Faulty {
    out: Arc<Mutex<Vec<u8>>>,
    calls: usize,
}

impl Write for Faulty {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        let mut out = self.out.lock().unwrap();
        match self.calls {
            2 => {
                out.extend_from_slice(&buf[..2]);
                Ok(2)
            }
            3 => Err(io::Error::other("disk on fire")),
            5 => {
                drop(out);
                panic!("the writer panicked")
            }
            _ => {
                out.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_faults_are_counted_and_the_next_line_starts_clean() {
    // Runs under miri too.
    let out = Arc::new(Mutex::new(Vec::new()));
    let faulty = Faulty {
        out: Arc::clone(&out),
        calls: 0,
    };
    // One line a batch, so the calls line up with the lines.
    let (mut writer, guard) = NonBlocking::builder(faulty)
        .overflow(Overflow::Block)
        .capacity(1)
        .spawn()
        .unwrap();
    // Calls: 1 "one", 2-3 "two" cut after "tw", 4 the mending newline,
    // 5 "three" panics, 6 "four".
    for line in ["one\n", "two\n", "three\n", "four\n"] {
        writer.write_all(line.as_bytes()).unwrap();
    }
    let report: FlushReport = guard.finish().unwrap_err();
    assert_eq!((report.written, report.errors, report.dropped), (2, 2, 0));
    let out = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    assert_eq!(out, "one\ntw\nfour\n");
}
