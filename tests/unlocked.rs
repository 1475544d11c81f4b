//! `Unlocked<W>`: a writer logger that writes through `&W`, with no lock of
//! its own. Threads do not wait for one another's writes, lines stay whole
//! when the destination writes each `write_all` whole, and faults, flushes
//! and counts behave as for a locked writer.

#![cfg(feature = "std")]

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use ctxtrace::{
    Ctx, JsonLogger, LevelFilter, NonBlocking, NopTracer, SendLogger, TextLogger, Unlocked,
};

/// A destination written through `&self`: each `write` appends its bytes
/// whole. It can fail, panic or hold a write until told, and counts its
/// flushes.
#[derive(Default)]
struct Dest {
    bytes: Mutex<Vec<u8>>,
    flushes: AtomicUsize,
    /// The next write fails after taking this many bytes.
    fail_after: Mutex<Option<usize>>,
    panic_next: AtomicBool,
    fail_flush: AtomicBool,
    /// A write of a line containing `hold` waits until `release` says so.
    hold: Mutex<Option<(&'static str, mpsc::Receiver<()>)>>,
}

impl Dest {
    fn text(&self) -> String {
        String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
    }
}

impl Write for &Dest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let held = {
            let mut hold = self.hold.lock().unwrap();
            let matches = hold
                .as_ref()
                .is_some_and(|(needle, _)| String::from_utf8_lossy(buf).contains(needle));
            if matches { hold.take() } else { None }
        };
        if let Some((_, release)) = held {
            release.recv().unwrap();
        }
        if self.panic_next.swap(false, Ordering::Relaxed) {
            self.bytes
                .lock()
                .unwrap()
                .extend_from_slice(&buf[..buf.len() / 2]);
            panic!("the destination panicked");
        }
        if let Some(n) = self.fail_after.lock().unwrap().take() {
            self.bytes
                .lock()
                .unwrap()
                .extend_from_slice(&buf[..n.min(buf.len())]);
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushes.fetch_add(1, Ordering::Relaxed);
        if self.fail_flush.load(Ordering::Relaxed) {
            return Err(io::ErrorKind::StorageFull.into());
        }
        Ok(())
    }
}

/// Fewer under miri, which runs threads one step at a time.
const LINES: usize = if cfg!(miri) { 20 } else { 2_000 };

#[test]
fn threads_write_whole_lines_with_their_fields() {
    let dest = Arc::new(Dest::default());
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest)))).without_time();
    let root = Ctx::new(NopTracer, logger.clone()).with_field("node", "n1");
    std::thread::scope(|s| {
        for worker in 0..4u32 {
            let root = &root;
            s.spawn(move || {
                let ctx = root.for_thread().with_field("worker", worker);
                for i in 0..LINES {
                    ctxtrace::info!(ctx, "line {}", i; n = i);
                }
            });
        }
    });
    assert_eq!(logger.lines(), 4 * LINES as u64);
    assert_eq!(logger.errors(), 0);
    let text = dest.text();
    let mut per_worker = [0usize; 4];
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        assert_eq!(v["node"], "n1");
        let worker = v["worker"].as_u64().unwrap() as usize;
        // Each worker's lines come in its own order.
        assert_eq!(v["n"].as_u64().unwrap() as usize, per_worker[worker]);
        per_worker[worker] += 1;
    }
    assert_eq!(per_worker, [LINES; 4]);
}

/// `Arc<Dest>`, written through a shared reference as `Dest` is.
struct ArcDest(Arc<Dest>);

impl Write for &ArcDest {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// The line of an `info!` with `msg` and no fields, from this file.
fn line(msg: &str) -> String {
    format!("{{\"level\":\"info\",\"target\":\"unlocked\",\"msg\":\"{msg}\"}}\n")
}

#[test]
fn a_write_that_waits_holds_up_no_other_thread() {
    let (release, wait) = mpsc::channel();
    let dest = Arc::new(Dest::default());
    *dest.hold.lock().unwrap() = Some(("slow", wait));
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest)))).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone());
    std::thread::scope(|s| {
        let slow = s.spawn(|| ctxtrace::info!(ctx.for_thread(), "slow"));
        // Until the slow line's write has started, its hold is still set.
        while dest.hold.lock().unwrap().is_some() {
            assert!(
                !slow.is_finished(),
                "the slow thread ended before its write"
            );
            std::thread::yield_now();
        }
        // A locked logger would wait here for the slow write, forever.
        let (done, finished) = mpsc::channel();
        let ctx = ctx.for_thread();
        s.spawn(move || {
            ctxtrace::info!(ctx, "fast");
            done.send(()).unwrap();
        });
        let fast = finished.recv_timeout(Duration::from_secs(60));
        let text = dest.text();
        // Let the slow line go before any assertion, or the scope waits for
        // it forever.
        release.send(()).unwrap();
        slow.join().unwrap();
        fast.expect("the other thread's line got through");
        assert_eq!(text, line("fast"));
    });
    assert_eq!(logger.lines(), 2);
    assert_eq!(dest.text(), line("fast") + &line("slow"));
}

#[test]
fn a_failed_or_panicking_write_is_counted_and_the_next_line_is_whole() {
    let dest = Arc::new(Dest::default());
    let logger = TextLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest)))).without_time();
    let ctx = Ctx::new(NopTracer, logger.clone());
    *dest.fail_after.lock().unwrap() = Some(5);
    ctxtrace::info!(ctx, "one");
    ctxtrace::info!(ctx, "two");
    dest.panic_next.store(true, Ordering::Relaxed);
    ctxtrace::info!(ctx, "three");
    ctxtrace::info!(ctx, "four");
    assert_eq!((logger.lines(), logger.errors()), (2, 2));
    let text = dest.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "level");
    assert_eq!(lines[1], "level=info msg=two");
    assert!(lines[2].starts_with("lev"), "{lines:?}");
    assert_eq!(lines[3], "level=info msg=four");
    assert_eq!(lines.len(), 4);
}

#[test]
fn the_last_clone_flushes_and_close_reports_a_failed_flush() {
    let dest = Arc::new(Dest::default());
    {
        let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))));
        // No line yet: nothing to flush.
        drop(logger.clone());
        drop(logger);
        assert_eq!(dest.flushes.load(Ordering::Relaxed), 0);
    }
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))));
    ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "x");
    drop(logger);
    assert_eq!(dest.flushes.load(Ordering::Relaxed), 1);

    dest.fail_flush.store(true, Ordering::Relaxed);
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))));
    ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "x");
    assert_eq!(
        logger.flush().unwrap_err().kind(),
        io::ErrorKind::StorageFull
    );
    assert_eq!(logger.errors(), 1);
    let err = logger.close().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    // `close` settled it: the drop of the last clone does not flush again.
    assert_eq!(dest.flushes.load(Ordering::Relaxed), 3);
}

#[test]
fn a_failed_flush_is_tried_again_on_drop_and_a_good_one_is_not() {
    let dest = Arc::new(Dest::default());
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))));
    let ctx = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(ctx, "x");
    dest.fail_flush.store(true, Ordering::Relaxed);
    assert!(logger.flush().is_err());
    dest.fail_flush.store(false, Ordering::Relaxed);
    drop((ctx, logger));
    // The line is still not known to be out: the drop flushes again.
    assert_eq!(dest.flushes.load(Ordering::Relaxed), 2);

    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))));
    ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "y");
    assert!(logger.flush().is_ok());
    drop(logger);
    // Flushed, and no line since: the drop does not flush.
    assert_eq!(dest.flushes.load(Ordering::Relaxed), 3);
}

#[test]
fn level_fields_and_the_writer_back() {
    let dest = Arc::new(Dest::default());
    let logger = JsonLogger::new(Unlocked::new(ArcDest(Arc::clone(&dest))))
        .without_time()
        .with_level(LevelFilter::Warn);
    let ctx = Ctx::new(NopTracer, logger.clone()).with_field("pod", "web-1");
    ctxtrace::info!(ctx, "dropped");
    ctxtrace::warn!(ctx, "kept"; code = 7u32);
    drop(ctx);
    assert_eq!(logger.lines(), 1);
    let back = logger.into_writer().expect("the last clone");
    assert!(Arc::ptr_eq(&back.get_ref().0, &dest));
    drop(back);
    assert_eq!(
        dest.text(),
        "{\"level\":\"warn\",\"target\":\"unlocked\",\"msg\":\"kept\",\"pod\":\"web-1\",\"code\":7}\n"
    );
}

/// Two threads, each with a `for_thread` clone of `root`, log [`LINES`]
/// lines each.
fn two_workers_log<L: SendLogger>(root: &Ctx<NopTracer, L>) {
    std::thread::scope(|s| {
        for worker in 0..2u32 {
            let ctx = root.for_thread().with_field("worker", worker);
            s.spawn(move || {
                for i in 0..LINES {
                    ctxtrace::info!(ctx, "a line long enough to matter"; n = i);
                }
            });
        }
    });
}

/// `text` is the two workers' lines, each one whole.
fn assert_whole_lines(text: &str) {
    assert_eq!(text.lines().count(), 2 * LINES);
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a whole JSON line");
    }
}

#[test]
fn through_a_non_blocking_queue_nothing_is_lost_below_capacity() {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (writer, guard) = NonBlocking::new(Collect(Arc::clone(&bytes)), 4 * LINES);
    let logger = JsonLogger::new(Unlocked::new(writer)).without_time();
    let root = Ctx::new(NopTracer, logger.clone());
    two_workers_log(&root);
    drop(root);
    drop(logger);
    let report = guard.finish().expect("every line written");
    assert_eq!((report.written, report.dropped), (2 * LINES as u64, 0));
    assert_whole_lines(&String::from_utf8(bytes.lock().unwrap().clone()).unwrap());
}

/// A writer for the queue's thread that keeps what it is given.
struct Collect(Arc<Mutex<Vec<u8>>>);

impl Write for Collect {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
#[cfg_attr(miri, ignore = "file system use is left out under miri")]
fn a_file_in_append_mode_gets_every_line_whole() {
    let dir = std::env::temp_dir().join(format!("ctxtrace-unlocked-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lines.log");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .append(true)
        .open(&path)
        .unwrap();
    let logger = JsonLogger::new(Unlocked::new(file));
    let root = Ctx::new(NopTracer, logger.clone());
    two_workers_log(&root);
    drop(root);
    logger.close().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_whole_lines(&text);
}
