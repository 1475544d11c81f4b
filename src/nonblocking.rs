//! A writer that hands whole lines to a thread of its own: [`NonBlocking`],
//! its [`FlushGuard`] and what the guard reports, [`FlushReport`].
//!
//! A [`JsonLogger`](crate::JsonLogger) or [`TextLogger`](crate::TextLogger)
//! writes each line with one `write` call under its lock. Given a
//! [`NonBlocking`], that call copies the line into a bounded queue and
//! returns; one background thread owns the real writer and writes the lines
//! in order. A destination that is slow, or blocks for good, then costs the
//! thread that logs a copy and a lock, never a wait.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::writer::{guarded, write_whole};

/// A line buffer longer than this is freed after its line is written rather
/// than recycled, so one huge line does not pin its memory for good.
const BUF_KEEP: usize = 64 * 1024;

/// What happens to a line written while the queue is full.
///
/// The default is [`Overflow::Drop`]: a writer is made non-blocking so that
/// the code that logs never waits on the destination, and a lost line,
/// counted and reported, costs less than a stalled loop.
///
/// # Examples
///
/// ```
/// use ctxtrace::{NonBlocking, Overflow};
///
/// assert_eq!(Overflow::default(), Overflow::Drop);
/// let (writer, guard) = NonBlocking::builder(Vec::new())
///     .overflow(Overflow::Block)
///     .spawn()
///     .unwrap();
/// # drop(writer);
/// assert!(guard.finish().is_ok());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// The line is dropped and counted in [`NonBlocking::dropped`]; the
    /// caller goes on at once.
    #[default]
    Drop,
    /// The caller waits until the background thread has made room: nothing
    /// is lost while the destination is merely slow, but a destination that
    /// blocks for good blocks the threads that log to it, as a plain writer
    /// would.
    Block,
}

/// A writer that queues whole lines for a background thread, which owns the
/// real writer. Made with [`NonBlocking::new`] or [`NonBlocking::builder`],
/// together with the [`FlushGuard`] that drains the queue at the end.
///
/// - **Whole lines.** Each `write` call is one unit: it reaches the real
///   writer whole, in one `write_all`, or is dropped whole. The writer
///   loggers write each line with one call, so lines are never split or
///   interleaved. A `BufWriter` belongs behind the `NonBlocking`
///   (`NonBlocking::new(BufWriter::new(file), n)`), never in front, where it
///   would cut lines at its buffer's edge.
/// - **Bounded.** At most `capacity` lines wait, counting those the
///   background thread is writing. A line written when the queue is full is
///   dropped and counted ([`dropped`](NonBlocking::dropped)), or, with
///   [`Overflow::Block`], waits for room.
/// - **No allocation per line** once warm: the background thread hands each
///   written line's buffer back for the next line (up to `capacity` buffers,
///   each freed instead when it grew past 64 KiB).
/// - **Errors stay inside.** `write` never fails. A failed or panicking
///   write of the real writer is counted, and the next line starts on a line
///   of its own. [`flush`](Write::flush) does not wait: the background
///   thread flushes the real writer whenever the queue runs empty, and the
///   [`FlushGuard`] waits, for a bounded time, at the end.
///
/// Clones share one queue and one background thread. No state is global:
/// two `NonBlocking`s never share anything.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, JsonLogger, NonBlocking, NopTracer};
/// # use std::io::{self, Write};
/// # use std::sync::{Arc, Mutex};
/// # #[derive(Clone, Default)]
/// # struct Shared(Arc<Mutex<Vec<u8>>>);
/// # impl Write for Shared {
/// #     fn write(&mut self, buf: &[u8]) -> io::Result<usize> { self.0.lock().unwrap().write(buf) }
/// #     fn flush(&mut self) -> io::Result<()> { Ok(()) }
/// # }
/// # let out = Shared::default();
/// # let destination = out.clone();
///
/// let (writer, guard) = NonBlocking::new(destination, 1024);
/// let ctx = Ctx::new(NopTracer, JsonLogger::new(writer).without_time());
/// ctxtrace::info!(ctx, "synced"; pod = "web-1");
/// drop(ctx);
///
/// let report = guard.finish().unwrap(); // waits until the line is written
/// assert_eq!((report.written, report.dropped), (1, 0));
/// # let out = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
/// assert!(out.ends_with("\"msg\":\"synced\",\"pod\":\"web-1\"}\n"));
/// ```
#[derive(Clone)]
pub struct NonBlocking {
    shared: Arc<Shared>,
}

/// Settings for a [`NonBlocking`] writer: the queue's capacity, what to do
/// when it is full, and how long the [`FlushGuard`] waits at the end.
///
/// # Examples
///
/// ```
/// use ctxtrace::{NonBlocking, Overflow};
/// use std::time::Duration;
///
/// let (writer, guard) = NonBlocking::builder(std::io::sink())
///     .capacity(64)
///     .overflow(Overflow::Drop)
///     .flush_timeout(Duration::from_millis(500))
///     .spawn()
///     .unwrap();
/// assert_eq!(writer.capacity(), 64);
/// # drop(guard);
/// ```
pub struct NonBlockingBuilder<W> {
    writer: W,
    capacity: usize,
    overflow: Overflow,
    flush_timeout: Duration,
}

/// Drains a [`NonBlocking`] writer when it is dropped or
/// [`finish`](FlushGuard::finish)ed, waiting at most its flush timeout
/// (3 seconds unless [`NonBlockingBuilder::flush_timeout`] says otherwise).
///
/// After the guard is gone the writer takes no more lines: later lines are
/// dropped and counted. Keep it alive until the last line is logged, for
/// example in a variable of `main`. When the destination does not take the
/// queued lines in time, the guard gives up and reports them as
/// [`unwritten`](FlushReport::unwritten): a destination that blocks for good
/// never holds up the end of the program.
///
/// Dropping the guard says nothing if every line was written, and prints one
/// line to stderr if any was lost; [`finish`](FlushGuard::finish) returns the
/// [`FlushReport`] instead and prints nothing.
///
/// # Examples
///
/// ```
/// use ctxtrace::NonBlocking;
/// use std::io::Write;
///
/// let (mut writer, guard) = NonBlocking::new(std::io::sink(), 8);
/// writer.write_all(b"one line\n").unwrap();
/// let report = guard.finish().unwrap();
/// assert_eq!(report.written, 1);
/// ```
pub struct FlushGuard {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
    timeout: Duration,
}

/// What a [`NonBlocking`] writer did with its lines, as its [`FlushGuard`]
/// saw it at the end.
///
/// # Examples
///
/// ```
/// use ctxtrace::NonBlocking;
/// use std::io::Write;
///
/// let (mut writer, guard) = NonBlocking::new(std::io::sink(), 8);
/// writer.write_all(b"a\n").unwrap();
/// let report = guard.finish().unwrap();
/// assert!(report.is_complete());
/// assert_eq!(report.to_string(), "1 lines written, 0 dropped, 0 failed, 0 unwritten");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FlushReport {
    /// Lines the real writer took.
    pub written: u64,
    /// Lines dropped because the queue was full, or because they came after
    /// the guard was gone.
    pub dropped: u64,
    /// Write and flush calls of the real writer that failed or panicked.
    pub errors: u64,
    /// Lines still queued when the guard stopped waiting, lost. If the real
    /// writer comes back later, the one line it held may still get out.
    pub unwritten: u64,
}

struct Shared {
    state: Mutex<State>,
    /// The background thread waits here for lines, or for the end.
    work: Condvar,
    /// Writers waiting for room ([`Overflow::Block`]) and the guard waiting
    /// for the end wait here.
    space: Condvar,
    capacity: usize,
    overflow: Overflow,
    dropped: AtomicU64,
    written: AtomicU64,
    errors: AtomicU64,
    /// The guard stopped waiting: the background thread writes no more.
    abandoned: AtomicBool,
}

struct State {
    queue: VecDeque<Vec<u8>>,
    /// Lines taken and not yet written: the queue's and those the background
    /// thread holds. Never above the capacity.
    pending: usize,
    /// Buffers of written lines, for the next lines.
    free: Vec<Vec<u8>>,
    /// The guard is gone or going: no more lines are taken.
    closed: bool,
    /// The background thread wrote its last line and flushed.
    done: bool,
    /// The background thread waits on `work`.
    worker_waits: bool,
    /// Threads waiting on `space`.
    space_waiters: usize,
}

impl NonBlocking {
    /// A non-blocking writer in front of `writer`, with room for `capacity`
    /// lines (at least 1) that drops a line when the queue is full, and the
    /// guard that drains it. [`builder`](NonBlocking::builder) has the other
    /// settings.
    ///
    /// # Panics
    ///
    /// If the operating system cannot start a thread.
    /// [`NonBlockingBuilder::spawn`] returns that error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NonBlocking, NopTracer, TextLogger};
    ///
    /// let (writer, guard) = NonBlocking::new(std::io::stderr(), 8192);
    /// let ctx = Ctx::new(NopTracer, TextLogger::new(writer));
    /// ctxtrace::info!(ctx, "starting");
    /// drop(ctx);
    /// assert_eq!(guard.finish().unwrap().written, 1);
    /// ```
    pub fn new<W: Write + Send + 'static>(writer: W, capacity: usize) -> (NonBlocking, FlushGuard) {
        NonBlocking::builder(writer)
            .capacity(capacity)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the NonBlocking writer's thread: {e}"))
    }

    /// Settings for a non-blocking writer in front of `writer`: 8192 lines,
    /// [`Overflow::Drop`], a flush timeout of 3 seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::NonBlocking;
    ///
    /// let (writer, _guard) = NonBlocking::builder(std::io::sink()).spawn().unwrap();
    /// assert_eq!(writer.capacity(), 8192);
    /// ```
    pub fn builder<W: Write + Send + 'static>(writer: W) -> NonBlockingBuilder<W> {
        NonBlockingBuilder {
            writer,
            capacity: 8192,
            overflow: Overflow::Drop,
            flush_timeout: Duration::from_secs(3),
        }
    }

    /// Lines dropped so far: written while the queue was full (with
    /// [`Overflow::Drop`]), or after the [`FlushGuard`] was gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::NonBlocking;
    /// use std::io::Write;
    ///
    /// let (mut writer, guard) = NonBlocking::new(std::io::sink(), 8);
    /// drop(guard);
    /// writer.write_all(b"too late\n").unwrap();
    /// assert_eq!(writer.dropped(), 1);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// How many lines may wait, counting those being written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::NonBlocking;
    ///
    /// let (writer, _guard) = NonBlocking::new(std::io::sink(), 0);
    /// assert_eq!(writer.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl Write for NonBlocking {
    /// Queues `buf` as one line, or drops it when the queue is full; always
    /// `Ok(buf.len())`.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    /// Returns at once: lines are written, and the real writer flushed, by
    /// the background thread.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The same through a shared reference, so that a logger can write to a
/// `NonBlocking` with no lock of its own:
/// [`Unlocked::new(writer)`](crate::Unlocked). Each write is queued as one
/// line, so lines stay whole.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, JsonLogger, NonBlocking, NopTracer, Unlocked};
///
/// let (writer, guard) = NonBlocking::new(std::io::sink(), 1024);
/// let logger = JsonLogger::new(Unlocked::new(writer));
/// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "synced");
/// drop(logger);
/// assert_eq!(guard.finish().unwrap().written, 1);
/// ```
impl Write for &NonBlocking {
    /// Queues `buf` as one line, or drops it when the queue is full; always
    /// `Ok(buf.len())`.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !buf.is_empty() {
            self.shared.push(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Debug for NonBlocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonBlocking")
            .field("capacity", &self.shared.capacity)
            .field("overflow", &self.shared.overflow)
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl<W: Write + Send + 'static> NonBlockingBuilder<W> {
    /// How many lines may wait, counting those being written; 0 counts as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let (writer, _guard) = ctxtrace::NonBlocking::builder(std::io::sink())
    ///     .capacity(16)
    ///     .spawn()
    ///     .unwrap();
    /// assert_eq!(writer.capacity(), 16);
    /// ```
    #[must_use]
    pub fn capacity(mut self, lines: usize) -> Self {
        self.capacity = lines.max(1);
        self
    }

    /// What happens to a line written while the queue is full;
    /// [`Overflow::Drop`] unless told otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NonBlocking, Overflow};
    /// use std::io::Write;
    ///
    /// let (mut writer, guard) = NonBlocking::builder(std::io::sink())
    ///     .capacity(1)
    ///     .overflow(Overflow::Block)
    ///     .spawn()
    ///     .unwrap();
    /// for _ in 0..10 {
    ///     writer.write_all(b"waits for room, never dropped\n").unwrap();
    /// }
    /// assert_eq!(guard.finish().unwrap().written, 10);
    /// ```
    #[must_use]
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// How long the [`FlushGuard`] waits for the queued lines at the end;
    /// 3 seconds unless told otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (_writer, guard) = ctxtrace::NonBlocking::builder(std::io::sink())
    ///     .flush_timeout(Duration::from_millis(100))
    ///     .spawn()
    ///     .unwrap();
    /// assert!(guard.finish().is_ok());
    /// ```
    #[must_use]
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.flush_timeout = timeout;
        self
    }

    /// Starts the background thread, which owns the writer from now on.
    ///
    /// # Errors
    ///
    /// The error of [`thread::Builder::spawn`] if no thread can be started.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// let (mut writer, guard) = ctxtrace::NonBlocking::builder(std::io::sink()).spawn()?;
    /// writer.write_all(b"line\n")?;
    /// assert_eq!(guard.finish().unwrap().written, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn(self) -> io::Result<(NonBlocking, FlushGuard)> {
        let capacity = self.capacity;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::with_capacity(capacity.min(1 << 16)),
                pending: 0,
                free: Vec::new(),
                closed: false,
                done: false,
                worker_waits: false,
                space_waiters: 0,
            }),
            work: Condvar::new(),
            space: Condvar::new(),
            capacity,
            overflow: self.overflow,
            dropped: AtomicU64::new(0),
            written: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            abandoned: AtomicBool::new(false),
        });
        let worker = {
            let shared = Arc::clone(&shared);
            let writer = self.writer;
            thread::Builder::new()
                .name("ctxtrace-nonblocking".into())
                .spawn(move || shared.run(writer))?
        };
        let guard = FlushGuard {
            shared: Arc::clone(&shared),
            worker: Some(worker),
            timeout: self.flush_timeout,
        };
        Ok((NonBlocking { shared }, guard))
    }
}

impl<W> fmt::Debug for NonBlockingBuilder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonBlockingBuilder")
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("flush_timeout", &self.flush_timeout)
            .finish_non_exhaustive()
    }
}

impl FlushGuard {
    /// Stops taking lines, waits until the queued ones are written and the
    /// real writer is flushed, or until the flush timeout, and says what
    /// happened to the lines. Prints nothing.
    ///
    /// # Errors
    ///
    /// The same report as `Err` when any line was lost: dropped, failed or
    /// unwritten ([`FlushReport::is_complete`] is false).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::NonBlocking;
    /// use std::io::Write;
    ///
    /// let (mut writer, guard) = NonBlocking::new(std::io::sink(), 8);
    /// writer.write_all(b"kept\n").unwrap();
    /// match guard.finish() {
    ///     Ok(report) => assert_eq!(report.written, 1),
    ///     Err(report) => eprintln!("log lines lost: {report}"),
    /// }
    /// ```
    pub fn finish(mut self) -> Result<FlushReport, FlushReport> {
        let report = self.close();
        if report.is_complete() {
            Ok(report)
        } else {
            Err(report)
        }
    }

    fn close(&mut self) -> FlushReport {
        let Some(worker) = self.worker.take() else {
            return self.shared.report(0);
        };
        let deadline = Instant::now().checked_add(self.timeout);
        let shared = &self.shared;
        let mut state = shared.lock();
        state.closed = true;
        if state.worker_waits {
            shared.work.notify_one();
        }
        if state.space_waiters > 0 {
            // Writers waiting for room go on, and drop their lines.
            shared.space.notify_all();
        }
        state.space_waiters += 1;
        while !state.done {
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if left.is_zero() {
                break;
            }
            state = shared
                .space
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.space_waiters -= 1;
        let done = state.done;
        let unwritten = if done {
            0
        } else {
            shared.abandoned.store(true, Ordering::Relaxed);
            let queued = state.queue.len();
            let unwritten = state.pending as u64;
            state.queue.clear();
            state.pending -= queued;
            unwritten
        };
        drop(state);
        if done {
            // The thread has written its last line: it ends at once.
            let _ = worker.join();
        }
        shared.report(unwritten)
    }
}

impl Drop for FlushGuard {
    /// Drains the writer as [`finish`](FlushGuard::finish) does, and prints
    /// one line to stderr if any line was lost.
    fn drop(&mut self) {
        if self.worker.is_none() {
            return;
        }
        let report = self.close();
        if !report.is_complete() {
            let _ = writeln!(
                io::stderr(),
                "ctxtrace: NonBlocking lost log lines: {report}"
            );
        }
    }
}

impl fmt::Debug for FlushGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlushGuard")
            .field("timeout", &self.timeout)
            .field("report", &self.shared.report(0))
            .finish_non_exhaustive()
    }
}

impl FlushReport {
    /// Whether every line was written: none dropped, failed or unwritten.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::NonBlocking;
    /// use std::io::Write;
    ///
    /// let (mut writer, guard) = NonBlocking::new(std::io::sink(), 1);
    /// writer.write_all(b"one\n").unwrap();
    /// let report = guard.finish().unwrap_or_else(|lost| lost);
    /// assert!(report.is_complete());
    /// assert_eq!(report.written, 1);
    /// ```
    pub fn is_complete(&self) -> bool {
        self.dropped == 0 && self.errors == 0 && self.unwritten == 0
    }
}

impl fmt::Display for FlushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines written, {} dropped, {} failed, {} unwritten",
            self.written, self.dropped, self.errors, self.unwritten
        )
    }
}

impl std::error::Error for FlushReport {}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn report(&self, unwritten: u64) -> FlushReport {
        FlushReport {
            written: self.written.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            unwritten,
        }
    }

    /// Queues a copy of `line`, or drops it.
    fn push(&self, line: &[u8]) {
        let mut state = self.lock();
        loop {
            if state.closed {
                break;
            }
            if state.pending < self.capacity {
                let mut buf = state.free.pop().unwrap_or_default();
                buf.extend_from_slice(line);
                state.queue.push_back(buf);
                state.pending += 1;
                let wake = state.worker_waits;
                drop(state);
                if wake {
                    self.work.notify_one();
                }
                return;
            }
            if self.overflow == Overflow::Drop {
                break;
            }
            state.space_waiters += 1;
            state = self
                .space
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.space_waiters -= 1;
        }
        drop(state);
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// The background thread: takes every queued line at once, writes them,
    /// hands their buffers back, and flushes the writer when the queue runs
    /// empty, until the guard closes the queue and it is empty.
    fn run<W: Write>(&self, mut writer: W) {
        let mut batch: VecDeque<Vec<u8>> = VecDeque::new();
        // The last write stopped part-way through a line.
        let mut broken = false;
        let mut state = self.lock();
        loop {
            while state.queue.is_empty() && !state.closed {
                state.worker_waits = true;
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                state.worker_waits = false;
            }
            if state.queue.is_empty() {
                break;
            }
            std::mem::swap(&mut state.queue, &mut batch);
            drop(state);

            for line in &batch {
                if self.abandoned.load(Ordering::Relaxed) {
                    break;
                }
                if write_line(&mut writer, line, &mut broken) {
                    self.written.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                }
            }

            state = self.lock();
            state.pending -= batch.len();
            for mut buf in batch.drain(..) {
                if buf.capacity() <= BUF_KEEP && state.free.len() < self.capacity {
                    buf.clear();
                    state.free.push(buf);
                }
            }
            if state.space_waiters > 0 {
                self.space.notify_all();
            }
            if state.queue.is_empty() && !self.abandoned.load(Ordering::Relaxed) {
                drop(state);
                self.flush(&mut writer);
                state = self.lock();
            }
        }
        state.done = true;
        if state.space_waiters > 0 {
            self.space.notify_all();
        }
    }

    fn flush<W: Write>(&self, writer: &mut W) {
        if !matches!(guarded(writer, W::flush), Ok(Ok(()))) {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Writes `line` whole, after a newline if the last line was cut part-way;
/// `false` if the writer failed or panicked. `Interrupted` is retried and
/// short writes are completed.
fn write_line<W: Write>(writer: &mut W, line: &[u8], broken: &mut bool) -> bool {
    if *broken {
        let mut mend = 0;
        if !write_counted(writer, b"\n", &mut mend) {
            return false;
        }
        *broken = false;
    }
    let mut written = 0;
    let ok = write_counted(writer, line, &mut written);
    if !ok && written > 0 {
        *broken = line[written - 1] != b'\n';
    }
    ok
}

/// Writes all of `buf` as the writer loggers do, counting in `written` how
/// much got out even if the writer panics; `true` if all of it did.
fn write_counted<W: Write>(writer: &mut W, buf: &[u8], written: &mut usize) -> bool {
    matches!(
        guarded(writer, |w| write_whole(w, buf, written)),
        Ok(Ok(()))
    )
}
