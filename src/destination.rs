//! Where a writer logger's finished lines go: any `io::Write`, behind a lock
//! of the logger's, or an [`Unlocked`] writer that takes whole lines through
//! a shared reference, with no lock of the logger's at all.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::writer::{Padded, guarded, write_whole};

/// What [`JsonLogger`](crate::JsonLogger) and
/// [`TextLogger`](crate::TextLogger) write to.
///
/// Two kinds, and only these (the trait is sealed):
///
/// - **Every `W: io::Write + Send`.** The logger keeps `W` behind a lock of
///   its own and holds it for the one `write_all` of each finished line, so
///   a `Vec<u8>`, a `BufWriter` or a `File` gets whole lines in one order.
/// - **[`Unlocked<W>`]**, for a `W` that is written through `&W` and writes
///   each `write_all` whole by itself: `io::Stderr` and `io::Stdout` (std
///   locks them inside), a [`NonBlocking`](crate::NonBlocking) queue,
///   `io::Sink`, or a `File` opened for appending. The logger takes no lock:
///   threads that log at once do not wait for one another, and only the
///   destination orders them.
///
/// A writer must not log to the logger that writes to it: a locked one
/// would wait for its own lock, and an unlocked one would be entered again
/// in the middle of its own write. (A `Display` value that logs is fine:
/// lines are formatted before the writer is reached.)
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, JsonLogger, NopTracer, Unlocked};
///
/// // Locked by the logger: any io::Write.
/// let locked = JsonLogger::new(Vec::new());
/// // Written through a shared reference, with no lock of the logger's.
/// let unlocked = JsonLogger::new(Unlocked::new(std::io::sink()));
/// ctxtrace::info!(Ctx::new(NopTracer, locked.clone()), "synced");
/// ctxtrace::info!(Ctx::new(NopTracer, unlocked.clone()), "synced");
/// assert_eq!((locked.lines(), unlocked.lines()), (1, 1));
/// ```
pub trait Destination: Send + sealed::Sealed {}

impl<W: Write + Send> Destination for W {}

impl<W> Destination for Unlocked<W>
where
    W: Send + Sync,
    for<'a> &'a W: Write,
{
}

/// What the writers need of a destination, out of reach of other crates.
pub(crate) mod sealed {
    use std::io;

    pub trait Sealed: Sized {
        /// How the logger keeps the destination.
        type Out: Send + Sync;

        /// The destination, kept for writing.
        fn open(self) -> Self::Out;

        /// Writes `line`, which starts with a newline that is sent only
        /// when the line before broke off part-way. Whether the line got
        /// out whole; a panic of the writer is caught and is a `false`.
        fn write_line(out: &Self::Out, line: &[u8]) -> bool;

        /// Flushes; with `close`, what was written so far is settled either
        /// way.
        fn flush(out: &Self::Out, close: bool) -> io::Result<()>;

        /// The flush of the last clone's drop: `None` when no line came
        /// since the last flush.
        fn settle(out: &mut Self::Out) -> Option<io::Result<()>>;

        /// The destination back, once; `None` after that.
        fn take(out: &mut Self::Out) -> Option<Self>;
    }
}

use sealed::Sealed;

/// Flushes `writer`, turning a panic into an error.
fn flush_guarded<W: Write>(mut writer: W) -> io::Result<()> {
    guarded(&mut writer, |w| w.flush())
        .unwrap_or_else(|()| Err(io::Error::other("the writer panicked in flush")))
}

/// A destination behind the logger's lock.
#[derive(Debug)]
pub struct Locked<W>(Mutex<LockedState<W>>);

#[derive(Debug)]
struct LockedState<W> {
    /// `None` only once [`Destination::take`] took it.
    writer: Option<W>,
    /// The last line failed part-way: the next one starts with a newline so
    /// that it is whole.
    broken: bool,
    /// Lines were written since the last flush.
    unflushed: bool,
}

impl<W: Write + Send> Sealed for W {
    type Out = Locked<W>;

    fn open(self) -> Locked<W> {
        Locked(Mutex::new(LockedState {
            writer: Some(self),
            broken: false,
            unflushed: false,
        }))
    }

    fn write_line(out: &Locked<W>, line: &[u8]) -> bool {
        let mut state = out.0.lock().unwrap_or_else(PoisonError::into_inner);
        let LockedState {
            writer,
            broken,
            unflushed,
        } = &mut *state;
        let Some(writer) = writer else { return false };
        let bytes = if *broken { line } else { &line[1..] };
        let mut written = 0;
        // Written only when they change: each write to the line is one more
        // chance for a waiting thread to have taken it away.
        if !*unflushed {
            *unflushed = true;
        }
        match guarded(writer, |w| write_whole(w, bytes, &mut written)) {
            Ok(Ok(())) => {
                if *broken {
                    *broken = false;
                }
                true
            }
            Ok(Err(_)) => {
                // Broken if the writer now ends part-way through a line. When
                // only the mending newline got out, the writer is at the start
                // of a line, and another newline would leave an empty one.
                if let Some(last) = written.checked_sub(1).and_then(|i| bytes.get(i)) {
                    *broken = *last != b'\n';
                }
                false
            }
            Err(()) => {
                // A writer that panicked may have taken any part of the
                // line: start the next one on a line of its own.
                *broken = true;
                false
            }
        }
    }

    fn flush(out: &Locked<W>, close: bool) -> io::Result<()> {
        let mut state = out.0.lock().unwrap_or_else(PoisonError::into_inner);
        let LockedState {
            writer, unflushed, ..
        } = &mut *state;
        let Some(writer) = writer else {
            return Ok(());
        };
        let result = flush_guarded(writer);
        if result.is_ok() || close {
            *unflushed = false;
        }
        result
    }

    fn settle(out: &mut Locked<W>) -> Option<io::Result<()>> {
        let state = out.0.get_mut().unwrap_or_else(PoisonError::into_inner);
        let writer = state.writer.as_mut().filter(|_| state.unflushed)?;
        Some(flush_guarded(writer))
    }

    fn take(out: &mut Locked<W>) -> Option<W> {
        let state = out.0.get_mut().unwrap_or_else(PoisonError::into_inner);
        state.writer.take()
    }
}

/// A destination that a writer logger writes through `&W`, with no lock of
/// the logger's: see [`Destination`].
///
/// Threads that log to one unlocked logger render and write their lines at
/// the same time, so lines come out whole only if `W` writes each
/// `write_all` whole by itself, as these do:
///
/// - `io::Stderr` and `io::Stdout`, which hold std's lock for a `write_all`;
/// - [`NonBlocking`](crate::NonBlocking), which queues each write as a line;
/// - a `File` opened with `append(true)`, whose writes each land at the end
///   (and that the kernel writes whole, short of a full disk);
/// - `io::Sink`.
///
/// A `BufWriter` needs `&mut` and so cannot be unlocked: give it to the
/// logger as it is, or put it behind a [`NonBlocking`](crate::NonBlocking).
///
/// An error or a panic of the writer is counted in `errors()` and never
/// reaches the caller, as with a locked writer, and the next line starts
/// with a newline, so that it does not run on from the part that got out
/// (after a failed write that sent nothing, that leaves one empty line).
/// Unlike a locked writer's, that mending is best effort when threads
/// write at once: another thread's line may already follow the broken
/// one. Dropping the last clone of the logger flushes the writer.
///
/// # Examples
///
/// Two threads log to stderr at once, each through a clone of its own:
///
/// ```
/// use ctxtrace::{Ctx, JsonLogger, NopTracer, Unlocked};
///
/// let logger = JsonLogger::new(Unlocked::new(std::io::stderr())).without_time();
/// let root = Ctx::new(NopTracer, logger.clone());
/// std::thread::scope(|s| {
///     for worker in 0..2 {
///         let ctx = root.for_thread().with_field("worker", worker);
///         s.spawn(move || ctxtrace::info!(ctx, "synced"));
///     }
/// });
/// assert_eq!(logger.lines(), 2);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Unlocked<W>(W);

impl<W> Unlocked<W> {
    /// `writer`, to be written through a shared reference.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{JsonLogger, Unlocked};
    ///
    /// let logger = JsonLogger::new(Unlocked::new(std::io::stdout()));
    /// # drop(logger);
    /// ```
    pub const fn new(writer: W) -> Self {
        Unlocked(writer)
    }

    /// The writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Unlocked;
    ///
    /// assert_eq!(Unlocked::new(7).get_ref(), &7);
    /// ```
    pub const fn get_ref(&self) -> &W {
        &self.0
    }

    /// The writer back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, JsonLogger, NopTracer, Unlocked};
    /// use std::io::Write;
    ///
    /// # let dir = std::env::temp_dir().join(format!("ctxtrace-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("unlocked.log");
    /// let file = std::fs::File::options().create(true).append(true).open(&path).unwrap();
    /// let logger = JsonLogger::new(Unlocked::new(file)).without_time();
    /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "synced");
    /// let file: std::fs::File = logger.into_writer().unwrap().into_inner();
    /// drop(file);
    /// let text = std::fs::read_to_string(&path).unwrap();
    /// assert!(text.ends_with("\"msg\":\"synced\"}\n"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn into_inner(self) -> W {
        self.0
    }
}

/// An unlocked destination as the logger keeps it.
#[derive(Debug)]
pub struct UnlockedOut<W> {
    /// `None` only once [`Destination::take`] took it.
    writer: Option<W>,
    /// Read by every line and written only when they change, on lines of
    /// their own: the logger's line count, written by every line, is not
    /// beside them.
    flags: Padded<Flags>,
}

#[derive(Debug, Default)]
struct Flags {
    /// As [`LockedState::broken`].
    broken: AtomicBool,
    /// As [`LockedState::unflushed`].
    unflushed: AtomicBool,
}

impl<W> Sealed for Unlocked<W>
where
    W: Send + Sync,
    for<'a> &'a W: Write,
{
    type Out = UnlockedOut<W>;

    fn open(self) -> UnlockedOut<W> {
        UnlockedOut {
            writer: Some(self.0),
            flags: Padded(Flags::default()),
        }
    }

    fn write_line(out: &UnlockedOut<W>, line: &[u8]) -> bool {
        let Some(mut writer) = out.writer.as_ref() else {
            return false;
        };
        let flags = &out.flags.0;
        let broken = flags.broken.load(Ordering::Relaxed);
        let bytes = if broken { line } else { &line[1..] };
        // `write_all`, not a loop of `write`s: it is what the destination
        // makes whole (std's stderr holds its lock for all of it).
        let result = guarded(&mut writer, |w| w.write_all(bytes));
        // After the write: a flush on another thread that cleared the flag
        // before this line got out leaves it set, for the drop's flush.
        if !flags.unflushed.load(Ordering::Relaxed) {
            flags.unflushed.store(true, Ordering::Relaxed);
        }
        match result {
            Ok(Ok(())) => {
                if broken {
                    flags.broken.store(false, Ordering::Relaxed);
                }
                true
            }
            // How much got out is not known: start the next line afresh.
            Ok(Err(_)) | Err(()) => {
                flags.broken.store(true, Ordering::Relaxed);
                false
            }
        }
    }

    fn flush(out: &UnlockedOut<W>, close: bool) -> io::Result<()> {
        let Some(writer) = out.writer.as_ref() else {
            return Ok(());
        };
        // Cleared before the flush, so that a line written meanwhile sets it
        // again; set again if the flush failed.
        let unflushed = out.flags.0.unflushed.swap(false, Ordering::Relaxed);
        let result = flush_guarded(writer);
        if result.is_err() && !close && unflushed {
            out.flags.0.unflushed.store(true, Ordering::Relaxed);
        }
        result
    }

    fn settle(out: &mut UnlockedOut<W>) -> Option<io::Result<()>> {
        if !*out.flags.0.unflushed.get_mut() {
            return None;
        }
        let writer = out.writer.as_ref()?;
        Some(flush_guarded(writer))
    }

    fn take(out: &mut UnlockedOut<W>) -> Option<Self> {
        out.writer.take().map(Unlocked)
    }
}
