//! What the writer loggers share: the sink (the destination, locked or
//! [`Unlocked`](crate::Unlocked), with its counts), the per-thread buffers
//! lines are rendered in, the level, time and target options, and number and
//! time formatting.

use std::cell::RefCell;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::Destination;

/// A line buffer is shrunk back after a line longer than this, so one huge
/// entry does not pin its memory for the life of the thread.
const BUF_KEEP: usize = 64 * 1024;

/// A writer logger's destination with its counts. Lines are rendered
/// before the destination is reached, in the buffers of the thread that logs
/// ([`Scratch`]); a locked destination is locked only to write a finished
/// line (and to flush).
pub(crate) struct Sink<W: Destination, C> {
    /// The clock, shared by every clone of the logger: a clone copies no
    /// clock, and the wall clock's offset is checked once a millisecond for
    /// all of them. On cache lines of its own: the lock's line changes hands
    /// with every line written, and a clock read beside it would wait for
    /// it each time.
    pub(crate) clock: Padded<C>,
    out: W::Out,
    /// The lines written whole, counted per handle.
    lines: Mutex<Tally>,
    errors: AtomicU64,
    /// The logger's type name, for the report of a flush that failed on drop.
    name: &'static str,
}

/// What a writer logger holds its sink by. Every clone of a logger, and
/// every logger a `Ctx` makes from it for a span or a field, counts one
/// reference to its handle; [`WriterCore::for_thread`] makes a new handle, so
/// that the loggers of one thread count theirs on a cache line that no
/// other thread writes. The sink itself is counted once per handle.
///
/// A handle counts the lines its loggers write, on its own lines too: a
/// thread that logs through a handle of its own writes no cache line that
/// another thread's lines write, with an [`Unlocked`](crate::Unlocked)
/// destination none at all.
#[repr(align(128))]
struct Handle<W: Destination, C> {
    sink: Arc<Sink<W, C>>,
    lines: Arc<Count>,
}

impl<W: Destination, C> Handle<W, C> {
    /// A new handle on `sink`, with a line count of its own.
    fn new(sink: Arc<Sink<W, C>>) -> Self {
        let lines = sink
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .open();
        Handle { sink, lines }
    }
}

/// A line count on cache lines of its own.
type Count = Padded<AtomicU64>;

/// The line counts of a sink's handles: one per live handle, and the sum of
/// those whose handles are gone. A count is folded into the sum when a new
/// handle is made, so the list is as long as the handles alive then.
#[derive(Debug, Default)]
struct Tally {
    gone: u64,
    live: Vec<Arc<Count>>,
}

impl Tally {
    /// A count for a new handle.
    fn open(&mut self) -> Arc<Count> {
        let Tally { gone, live } = self;
        live.retain_mut(|count| match Arc::get_mut(count) {
            // Only the tally holds it: its handle is gone, and nothing can
            // add to it any more. (`get_mut` orders the handle's last adds
            // before this read, as a count check alone would not.)
            Some(gone_count) => {
                *gone = gone.wrapping_add(*gone_count.0.get_mut());
                false
            }
            None => true,
        });
        let count = Arc::new(Padded(AtomicU64::new(0)));
        live.push(Arc::clone(&count));
        count
    }

    fn sum(&self) -> u64 {
        let live = self
            .live
            .iter()
            .map(|count| count.0.load(Ordering::Relaxed));
        live.fold(self.gone, u64::wrapping_add)
    }
}

/// A value on cache lines of its own (128 bytes, as two adjacent lines are
/// fetched together), so that writes next to it do not slow its reads.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// The buffers one thread renders its lines in, so that a line is formatted
/// outside the sink's lock and a warm line allocates nothing.
#[derive(Debug)]
pub(crate) struct Scratch {
    line: Vec<u8>,
    scratch: Vec<u8>,
    times: TimeCache,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            line: Vec::new(),
            scratch: Vec::new(),
            times: TimeCache::new(),
        }
    }
}

thread_local! {
    /// This thread's rendering buffers: scratch space only, never context.
    /// A line rendered while another one is (a `Display` value that logs)
    /// finds it borrowed and renders into fresh buffers.
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

/// Runs `f` on the writer, turning a panic into an error.
pub(crate) fn guarded<W, R>(
    writer: &mut W,
    f: impl FnOnce(&mut W) -> io::Result<R>,
) -> Result<io::Result<R>, ()> {
    // The writer is used again after a panic, as `BufWriter` is: the next
    // line starts on a fresh line, and a writer that stays broken keeps
    // counting errors.
    catch_unwind(AssertUnwindSafe(|| f(writer))).map_err(drop)
}

impl<W: Destination, C> Sink<W, C> {
    pub(crate) fn new(writer: W, clock: C, name: &'static str) -> Self {
        Sink {
            clock: Padded(clock),
            out: writer.open(),
            lines: Mutex::new(Tally::default()),
            errors: AtomicU64::new(0),
            name,
        }
    }

    /// Renders one line with `render`, outside the lock, then writes it with
    /// one `write_all` under the lock. `render` gets the line buffer, a
    /// scratch buffer and the time cache of the calling thread (fresh ones
    /// when the thread is already rendering a line).
    ///
    /// If `render` panics (a user `Display` did), nothing is written and the
    /// lock was never taken. If the writer panics, the panic is caught and
    /// counted as an error.
    /// A line written whole is counted in `lines`, its handle's count.
    fn emit(
        &self,
        lines: &AtomicU64,
        render: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>, &mut TimeCache),
    ) {
        let mut render = Some(render);
        let _ = SCRATCH.try_with(|cell| {
            if let Ok(mut bufs) = cell.try_borrow_mut() {
                if let Some(render) = render.take() {
                    self.render_and_write(lines, &mut bufs, render);
                }
            }
        });
        // Re-entered, or the thread's buffers are gone (it is ending).
        if let Some(render) = render {
            self.render_and_write(lines, &mut Scratch::new(), render);
        }
    }

    fn render_and_write(
        &self,
        lines: &AtomicU64,
        bufs: &mut Scratch,
        render: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>, &mut TimeCache),
    ) {
        let Scratch {
            line,
            scratch,
            times,
        } = bufs;
        line.clear();
        // Sent only when the last line broke off part-way.
        line.push(b'\n');
        render(line, scratch, times);
        line.push(b'\n');
        self.write_line(lines, line);
        if line.capacity() > BUF_KEEP {
            *line = Vec::new();
        }
        if scratch.capacity() > BUF_KEEP {
            *scratch = Vec::new();
        }
    }

    /// Writes `line`, which starts with the newline that mends a broken
    /// line.
    #[inline]
    fn write_line(&self, lines: &AtomicU64, line: &[u8]) {
        let counter = if W::write_line(&self.out, line) {
            lines
        } else {
            &self.errors
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Flushes the writer. A failure (an error or a panic) is counted in
    /// `errors` and returned. With `close`, what was written so far is
    /// settled either way: the drop of the last clone flushes again only if
    /// more lines come.
    pub(crate) fn flush(&self, close: bool) -> io::Result<()> {
        let result = W::flush(&self.out, close);
        if result.is_err() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

impl<W: Destination, C> Drop for Sink<W, C> {
    /// The last clone of a logger is gone: flush what it wrote, and report a
    /// failure on stderr, since no caller is left to tell.
    fn drop(&mut self) {
        if let Some(Err(e)) = W::settle(&mut self.out) {
            let errors = self.errors.get_mut();
            *errors += 1;
            let _ = writeln!(
                io::stderr(),
                "ctxtrace: the last {} was dropped and its writer failed to flush: {e} ({} lines written, {errors} errors); call close() to handle this",
                self.name,
                self.lines
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner)
                    .sum(),
            );
        }
    }
}

impl<W: Destination, C> Sink<W, C> {
    pub(crate) fn lines(&self) -> u64 {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sum()
    }

    pub(crate) fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

/// Writes all of `buf`, retrying on `Interrupted` and after short writes,
/// counting in `written` how many bytes reached the writer.
pub(crate) fn write_whole<W: Write>(
    writer: &mut W,
    buf: &[u8],
    written: &mut usize,
) -> io::Result<()> {
    while *written < buf.len() {
        match writer.write(&buf[*written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => *written += n.min(buf.len() - *written),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The two-digit numbers `00` to `99`, back to back: numbers are written two
/// digits at a time.
const PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut n = 0;
    while n < 100 {
        table[2 * n] = b'0' + (n / 10) as u8;
        table[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    table
};

/// The digits of `n`, which is below 100, as two bytes.
#[inline]
fn pair(n: u64) -> [u8; 2] {
    let i = (n % 100) as usize * 2;
    [PAIRS[i], PAIRS[i + 1]]
}

/// Appends the decimal digits of `n`.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, n: u64) {
    // Small numbers, the common case (counts, codes, milliseconds), first.
    if n < 10 {
        buf.push(b'0' + n as u8);
    } else if n < 100 {
        buf.extend_from_slice(&pair(n));
    } else {
        push_u64_long(buf, n);
    }
}

fn push_u64_long(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&pair(n));
        n /= 100;
    }
    if n >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&pair(n));
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends the decimal digits of `n`, with a sign when negative.
pub(crate) fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

/// Appends [`rfc3339`] of `unix_nanos`.
#[cfg(test)]
fn push_rfc3339(buf: &mut Vec<u8>, unix_nanos: u64) {
    buf.extend_from_slice(&rfc3339(unix_nanos));
}

/// An RFC 3339 UTC timestamp with nanoseconds, such as
/// `2026-11-24T10:00:00.123456789Z`, computed from the Unix time without a
/// date library (the civil-from-days algorithm of H. Hinnant).
fn rfc3339(unix_nanos: u64) -> [u8; STAMP_LEN] {
    let secs = unix_nanos / 1_000_000_000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let [y1, y2] = pair(year / 100);
    let [y3, y4] = pair(year);
    let [m1, m2] = pair(month);
    let [d1, d2] = pair(day);
    let [h1, h2] = pair(rem / 3600);
    let [i1, i2] = pair(rem / 60 % 60);
    let [s1, s2] = pair(rem % 60);
    let mut stamp = [
        y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, b'T', h1, h2, b':', i1, i2, b':', s1, s2, b'.',
        0, 0, 0, 0, 0, 0, 0, 0, 0, b'Z',
    ];
    put_nanos(&mut stamp, unix_nanos % 1_000_000_000);
    stamp
}

/// Writes the nine digits of `nanos` (below 10^9) into their place in
/// `stamp`, two at a time from the right.
#[inline]
fn put_nanos(stamp: &mut [u8; STAMP_LEN], nanos: u64) {
    let mut n = nanos;
    let mut i = NANOS_AT + 9;
    while i > NANOS_AT + 1 {
        i -= 2;
        stamp[i..i + 2].copy_from_slice(&pair(n));
        n /= 100;
    }
    stamp[NANOS_AT] = b'0' + (n % 10) as u8;
}

/// The date and time to the second of the last time stamp written, so that a
/// line in the same second as the one before formats only its nanoseconds.
#[derive(Debug, Default)]
pub(crate) struct TimeCache {
    secs: Option<u64>,
    /// The whole stamp of `secs`: `YYYY-MM-DDTHH:MM:SS.`, then the
    /// nanoseconds of the last stamp, then `Z`.
    stamp: [u8; STAMP_LEN],
}

/// The length of an RFC 3339 stamp with nanoseconds.
const STAMP_LEN: usize = 30;
/// Where the nanoseconds start in it.
const NANOS_AT: usize = 20;

impl TimeCache {
    pub(crate) const fn new() -> Self {
        TimeCache {
            secs: None,
            stamp: [0; STAMP_LEN],
        }
    }

    /// Appends the same text as [`rfc3339`].
    #[inline]
    pub(crate) fn push(&mut self, buf: &mut Vec<u8>, unix_nanos: u64) {
        let secs = unix_nanos / 1_000_000_000;
        if self.secs != Some(secs) {
            self.stamp = rfc3339(unix_nanos);
            self.secs = Some(secs);
        } else {
            put_nanos(&mut self.stamp, unix_nanos % 1_000_000_000);
        }
        buf.extend_from_slice(&self.stamp);
    }
}

/// Year, month and day of the day `days` after 1970-01-01. `u64` nanoseconds
/// end in 2554, so the year always has four digits.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// An `fmt::Write` that appends to a byte buffer.
pub(crate) struct Bytes<'a>(pub(crate) &'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The part of a writer logger that is the same for every line format: the
/// shared sink (with the clock), the fields of the `Ctx` rendered once in
/// the logger's format, the span name, and the options.
pub(crate) struct WriterCore<W: Destination, C> {
    /// The sink, through the handle whose reference count this logger and
    /// the loggers made from it share.
    handle: Arc<Handle<W, C>>,
    /// The `Ctx`'s fields, rendered as the format writes them after the fixed
    /// keys; empty when there are none.
    context: Shared,
    pub(crate) method: Option<&'static str>,
    /// The method is [plain](crate::logger::plain_name): written as it is.
    pub(crate) method_plain: bool,
    pub(crate) level: crate::LevelFilter,
    pub(crate) time: bool,
    /// Whether lines carry the record's target.
    pub(crate) target: bool,
}

impl<W: Destination, C> Clone for WriterCore<W, C> {
    fn clone(&self) -> Self {
        WriterCore {
            handle: Arc::clone(&self.handle),
            context: self.context.clone(),
            method: self.method,
            method_plain: self.method_plain,
            level: self.level,
            time: self.time,
            target: self.target,
        }
    }
}

impl<W: Destination, C> WriterCore<W, C> {
    /// A copy whose lines carry the method `name`. Inlined, so that the
    /// check of a literal name can fold into the caller.
    #[inline]
    pub(crate) fn with_method(&self, name: &'static str) -> Self {
        let mut core = self.clone();
        core.method = Some(name);
        core.method_plain = crate::logger::plain_name(name);
        core
    }

    /// The sink that lines go to.
    #[inline]
    pub(crate) fn sink(&self) -> &Sink<W, C> {
        &self.handle.sink
    }

    /// A copy with a handle of its own: see [`Handle`].
    pub(crate) fn for_thread(&self) -> Self {
        WriterCore {
            handle: Arc::new(Handle::new(Arc::clone(&self.handle.sink))),
            ..self.clone()
        }
    }
}

impl<W: Destination, C: crate::Clock> WriterCore<W, C> {
    /// A core writing to `writer`, at every level, with the time, and with
    /// the target if `target`. `name` names the logger in reports.
    pub(crate) fn new(writer: W, clock: C, target: bool, name: &'static str) -> Self {
        WriterCore {
            handle: Arc::new(Handle::new(Arc::new(Sink::new(writer, clock, name)))),
            context: Shared(None),
            method: None,
            method_plain: false,
            level: crate::LevelFilter::Trace,
            time: true,
            target,
        }
    }

    /// The target to write for `record`: `None` when the option is off or
    /// the record has none ([`Callsite::UNKNOWN`](crate::Callsite::UNKNOWN)).
    #[inline]
    pub(crate) fn target<'a>(&self, record: &crate::Record<'a>) -> Option<&'a str> {
        let target = record.target();
        (self.target && !target.is_empty()).then_some(target)
    }

    /// A copy whose context has the field `key`, rendered by `render`, in
    /// place of any earlier field with that key. With `keep`, `value` is kept
    /// too, for [`for_each_field`](WriterCore::for_each_field).
    ///
    /// The new context goes into a node recycled from this thread's pool
    /// when there is one, so a warm `with_field` allocates nothing.
    pub(crate) fn with_context(
        &self,
        key: &'static str,
        value: crate::Value<'_>,
        keep: bool,
        render: impl FnOnce(&mut Vec<u8>),
    ) -> Self {
        let mut node = pool::take();
        // An immutable empty value, not state: nothing ever writes to it.
        static EMPTY: Context = Context::EMPTY;
        let old = self.context.0.as_deref().unwrap_or(&EMPTY);
        match Arc::get_mut(&mut node) {
            Some(context) => context.fill(old, key, value, keep, render),
            // Never: pooled nodes are unique. A new one, then.
            None => {
                let mut context = Context::default();
                context.fill(old, key, value, keep, render);
                node = Arc::new(context);
            }
        }
        WriterCore {
            handle: Arc::clone(&self.handle),
            context: Shared(Some(node)),
            method: self.method,
            method_plain: self.method_plain,
            level: self.level,
            time: self.time,
            target: self.target,
        }
    }

    /// Renders and writes one line: see [`Sink::emit`].
    #[inline]
    pub(crate) fn emit(&self, render: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>, &mut TimeCache)) {
        self.handle.sink.emit(&self.handle.lines.0, render);
    }

    /// The time for a line, read before the sink is locked.
    #[inline]
    pub(crate) fn now(&self) -> Option<u64> {
        self.time.then(|| self.sink().clock.0.now())
    }

    /// Appends the context's fields, leaving out those that the entry sets
    /// itself: an entry's own field wins over the `Ctx`'s.
    #[inline]
    pub(crate) fn push_context(&self, buf: &mut Vec<u8>, entry: &[crate::Field<'_>]) {
        if let Some(context) = &self.context.0 {
            context.push(buf, entry);
        }
    }

    /// Whether [`for_each_field`](WriterCore::for_each_field) gives any
    /// field: whether one was kept.
    #[inline]
    pub(crate) fn has_fields(&self) -> bool {
        self.context.0.as_ref().is_some_and(|c| !c.kept.is_empty())
    }

    /// Calls `f` with each context field and its value as it was kept.
    pub(crate) fn for_each_field(&self, f: impl FnMut(&'static str, crate::Value<'_>)) {
        if let Some(context) = &self.context.0 {
            context.for_each(f);
        }
    }
}

/// A `Ctx`'s context, shared by the loggers cloned from one `with_field`.
/// When the last one goes, its node goes back to the pool of the thread that
/// drops it, buffers and all.
#[derive(Clone, Debug)]
struct Shared(Option<Arc<Context>>);

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(mut node) = self.0.take() {
            // Unique: no other logger can reach it any more. (The count
            // first: most loggers dropped share their context.)
            if Arc::strong_count(&node) == 1 && Arc::get_mut(&mut node).is_some() {
                pool::give(node);
            }
        }
    }
}

/// Context nodes that no logger uses any more, kept per thread for the next
/// `with_field`: recycled memory only, never the context of a `Ctx` (a
/// node's content is overwritten before it is used again).
mod pool {
    use std::cell::RefCell;
    use std::sync::Arc;

    use super::Context;

    /// Nodes kept per thread, at most: more than a deep sync holds at once.
    const NODES: usize = 32;
    /// A node whose buffers grew past this is freed, not kept.
    const NODE_KEEP: usize = 4 * 1024;

    thread_local! {
        static FREE: RefCell<Vec<Arc<Context>>> = const { RefCell::new(Vec::new()) };
    }

    /// A node to fill: a recycled one, or a new one.
    pub(super) fn take() -> Arc<Context> {
        FREE.try_with(|free| free.try_borrow_mut().ok()?.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps `node`, which nothing else references, for a later
    /// [`take`]; frees it when the pool is full or the node is big.
    pub(super) fn give(node: Arc<Context>) {
        if node.capacity() > NODE_KEEP {
            return;
        }
        // A node that the pool does not take (it is full, in use, or gone
        // with its thread) is freed with the closure.
        let _ = FREE.try_with(move |free| {
            if let Ok(mut free) = free.try_borrow_mut() {
                if free.len() < NODES {
                    free.push(node);
                }
            }
        });
    }
}

/// The fields of a `Ctx`, rendered once in a writer's format, with where each
/// one ends so that one can be replaced or left out, and, for a `Ctx` whose
/// tracer records events, each value kept as it was given.
///
/// `text` holds the rendered fields. `kept` runs beside `slots`, and is empty
/// (no work) while no field is kept; a kept string, or the text of a kept
/// `Display` value, is in `raw`, which holds those and nothing else, so it
/// reads back as a `str` with no check of its bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    text: Vec<u8>,
    /// Each field's key and where its rendered form ends.
    slots: Vec<(&'static str, usize)>,
    /// Bit `n % 64` is set for each key of `n` bytes: an entry whose keys
    /// have none of these lengths overrides no field, with no compare.
    key_lens: u64,
    kept: Vec<Kept>,
    raw: String,
}

/// The bit of [`Context::key_lens`] for `key`.
#[inline]
fn len_bit(key: &str) -> u64 {
    1 << (key.len() % 64)
}

/// A value as a context keeps it.
#[derive(Clone, Copy, Debug)]
enum Kept {
    /// Not kept: the field was added for a `Ctx` whose tracer records no
    /// events.
    Skip,
    /// A string in the context's `raw` text.
    Str(usize, usize),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Duration(std::time::Duration),
    Null,
}

impl Context {
    /// No fields: the context that the first `with_field` adds to.
    const EMPTY: Context = Context {
        text: Vec::new(),
        slots: Vec::new(),
        key_lens: 0,
        kept: Vec::new(),
        raw: String::new(),
    };

    /// The bytes its buffers hold on to.
    fn capacity(&self) -> usize {
        self.text.capacity()
            + self.slots.capacity() * std::mem::size_of::<(&str, usize)>()
            + self.kept.capacity() * std::mem::size_of::<Kept>()
            + self.raw.capacity()
    }

    /// `old` with the field `key` set, rendered by `render`: written into
    /// this context's buffers, whatever they held.
    fn fill(
        &mut self,
        old: &Context,
        key: &'static str,
        value: crate::Value<'_>,
        keep: bool,
        render: impl FnOnce(&mut Vec<u8>),
    ) {
        let keeping = keep || !old.kept.is_empty();
        let Context {
            text,
            slots,
            key_lens,
            kept,
            raw,
        } = self;
        text.clear();
        slots.clear();
        kept.clear();
        raw.clear();
        // No old key has this one's length (mod 64): a new key, unseen.
        let new_key = old.key_lens & len_bit(key) == 0 || old.slots.iter().all(|&(k, _)| k != key);
        if new_key {
            // A new key, the common case: the old fields as they are. The
            // old `raw` holds only kept text, so its places stay right.
            text.extend_from_slice(&old.text);
            slots.extend_from_slice(&old.slots);
            if keeping {
                kept.extend(
                    (0..old.slots.len()).map(|i| old.kept.get(i).copied().unwrap_or(Kept::Skip)),
                );
                raw.push_str(&old.raw);
            }
        } else {
            // The old fields but `key`'s, each kept string copied anew so
            // that `raw` keeps no text of the value replaced.
            let mut start = 0;
            for (i, &(k, end)) in old.slots.iter().enumerate() {
                if k != key {
                    text.extend_from_slice(old.text.get(start..end).unwrap_or_default());
                    slots.push((k, text.len()));
                    if keeping {
                        kept.push(match old.kept.get(i).copied().unwrap_or(Kept::Skip) {
                            Kept::Str(a, b) => keep_str(raw, old.raw.get(a..b).unwrap_or_default()),
                            other => other,
                        });
                    }
                }
                start = end;
            }
        }
        render(text);
        slots.push((key, text.len()));
        *key_lens = if slots.len() == old.slots.len() + 1 {
            // A new key: the old lengths and this one.
            old.key_lens | len_bit(key)
        } else {
            slots.iter().fold(0, |bits, &(k, _)| bits | len_bit(k))
        };
        if keeping {
            kept.push(if keep {
                keep_value(raw, value)
            } else {
                Kept::Skip
            });
        }
    }

    #[cfg(test)]
    fn with(
        &self,
        key: &'static str,
        value: crate::Value<'_>,
        keep: bool,
        render: impl FnOnce(&mut Vec<u8>),
    ) -> Context {
        let mut new = Context::default();
        new.fill(self, key, value, keep, render);
        new
    }

    fn push(&self, buf: &mut Vec<u8>, entry: &[crate::Field<'_>]) {
        let overridden = |k: &str| entry.iter().any(|f| f.key == k);
        let may_override = entry.iter().any(|f| self.key_lens & len_bit(f.key) != 0);
        if !may_override || !self.slots.iter().any(|&(k, _)| overridden(k)) {
            buf.extend_from_slice(&self.text);
            return;
        }
        let mut start = 0;
        for &(k, end) in &self.slots {
            if !overridden(k) {
                buf.extend_from_slice(self.text.get(start..end).unwrap_or_default());
            }
            start = end;
        }
    }

    fn for_each(&self, mut f: impl FnMut(&'static str, crate::Value<'_>)) {
        for (&(key, _), &kept) in self.slots.iter().zip(&self.kept) {
            let value = match kept {
                Kept::Skip => continue,
                // Never panics, whatever the place says: one that does not
                // fit the text reads as an empty string.
                Kept::Str(a, b) => crate::Value::Str(self.raw.get(a..b).unwrap_or_default()),
                Kept::I64(n) => crate::Value::I64(n),
                Kept::U64(n) => crate::Value::U64(n),
                Kept::F64(n) => crate::Value::F64(n),
                Kept::Bool(b) => crate::Value::Bool(b),
                Kept::Duration(d) => crate::Value::Duration(d),
                Kept::Null => crate::Value::Null,
            };
            f(key, value);
        }
    }
}

/// Keeps `value`: numbers, bools, durations and `None` as they are, a
/// string or the text of a `Display` value appended to `raw`.
fn keep_value(raw: &mut String, value: crate::Value<'_>) -> Kept {
    match value {
        crate::Value::I64(n) => Kept::I64(n),
        crate::Value::U64(n) => Kept::U64(n),
        crate::Value::F64(n) => Kept::F64(n),
        crate::Value::Bool(b) => Kept::Bool(b),
        crate::Value::Duration(d) => Kept::Duration(d),
        crate::Value::Null => Kept::Null,
        crate::Value::Str(s) => keep_str(raw, s),
        other => {
            let from = raw.len();
            let _ = std::fmt::Write::write_fmt(raw, format_args!("{other}"));
            Kept::Str(from, raw.len())
        }
    }
}

/// Appends `s` to `raw` and gives its place.
#[inline]
fn keep_str(raw: &mut String, s: &str) -> Kept {
    let from = raw.len();
    raw.push_str(s);
    Kept::Str(from, raw.len())
}

impl<W: Destination, C> std::fmt::Debug for WriterCore<W, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterLogger")
            .field("level", &self.level)
            .field("time", &self.time)
            .field("target", &self.target)
            .field("method", &self.method)
            .field(
                "context",
                &self
                    .context
                    .0
                    .as_deref()
                    .map(|c| String::from_utf8_lossy(&c.text)),
            )
            .field("lines", &self.sink().lines())
            .field("errors", &self.sink().errors())
            .finish_non_exhaustive()
    }
}

/// Word-at-a-time byte checks, for skipping runs of plain bytes 8 at a time.
/// Each gives a mask that is not zero when *some* byte of the word matches
/// (exactly: never for a word with no such byte), so that several checks
/// combine with `|` and one branch.
pub(crate) mod word {
    pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    /// Whether `flagged` flags no word of `bytes`: see [`find`].
    #[inline]
    pub(crate) fn none(bytes: &[u8], flagged: impl Fn(u64) -> bool) -> bool {
        find(bytes, flagged).is_none()
    }

    /// The first word of `bytes` that `flagged` flags, read a word at a
    /// time. The last few bytes are read as a word that overlaps the one
    /// before, and a string shorter than a word as overlapping halves or as
    /// its first, middle and last bytes, padded with `a`: every byte is
    /// read, so the answer is exact for any mask that flags no word of `a`s
    /// alone. (A half that could not be read would read as `0xff` bytes,
    /// which any mask that flags non-ASCII bytes flags; the places read are
    /// always there.)
    #[inline]
    pub(crate) fn find(bytes: &[u8], flagged: impl Fn(u64) -> bool) -> Option<u64> {
        const PAD: u64 = u64::from_le_bytes([b'a'; 8]);
        let n = bytes.len();
        let u32_at = |i: usize| {
            let chunk = bytes
                .get(i..i + 4)
                .and_then(|c| <[u8; 4]>::try_from(c).ok());
            // Never `None` for the places below; all-0xff is flagged.
            u64::from(chunk.map_or(u32::MAX, u32::from_le_bytes))
        };
        let flags = |w: u64| flagged(w).then_some(w);
        if n >= 8 {
            let mut i = 0;
            while let Some(w) = at(bytes, i) {
                if flagged(w) {
                    return Some(w);
                }
                i += 8;
            }
            if i >= n {
                None
            } else {
                at(bytes, n - 8).and_then(flags)
            }
        } else if n >= 4 {
            flags(u32_at(0) | u32_at(n - 4) << 32)
        } else if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
            let middle = bytes[n / 2];
            flags(
                (PAD & !0xff_ffff)
                    | u64::from(first)
                    | u64::from(middle) << 8
                    | u64::from(last) << 16,
            )
        } else {
            None
        }
    }

    /// The 8 bytes of `bytes` from `at`, if there are that many.
    #[inline]
    pub(crate) fn at(bytes: &[u8], at: usize) -> Option<u64> {
        let chunk = bytes.get(at..at.checked_add(8)?)?;
        <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
    }

    /// Some byte of `w` is `b`.
    #[inline]
    pub(crate) fn byte(w: u64, b: u8) -> u64 {
        let v = w ^ (ONES * u64::from(b));
        v.wrapping_sub(ONES) & !v & HIGH
    }

    /// Some byte of `w` is below `n`, for `n` up to 0x80 (bytes of 0x80 and
    /// above are for [`non_ascii`] to find).
    #[inline]
    pub(crate) fn below(w: u64, n: u8) -> u64 {
        w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH
    }

    /// Some byte of `w` is not ASCII.
    #[inline]
    pub(crate) fn non_ascii(w: u64) -> u64 {
        w & HIGH
    }
}

/// Whether a field with this key is written as `fields.<key>`: a fixed key,
/// or one that already starts with `fields.`. The second makes the renaming
/// one-to-one, so a field `level` (written `fields.level`) and a field
/// `fields.level` (written `fields.fields.level`) never share a key.
#[inline]
pub(crate) fn is_renamed(key: &str) -> bool {
    // Most keys start with none of the fixed keys' first letters.
    match key.as_bytes().first() {
        Some(b't' | b'l' | b'm' | b's') => is_reserved(key),
        Some(b'f') => key.starts_with("fields."),
        _ => false,
    }
}

/// Whether `key` is one the writers use for their fixed fields
/// ([`RESERVED`](crate::logger::RESERVED)). A field with one of these keys
/// is written as `fields.<key>`, so that no field can pass for a fixed one.
/// The set is the same whatever a logger's options: `target` is renamed by a
/// `TextLogger` that does not write the target too, so the written key of a
/// field never depends on an option.
pub(crate) fn is_reserved(key: &str) -> bool {
    crate::logger::RESERVED.contains(&key)
}

/// The builder methods and counters that `TextLogger` and `JsonLogger` share.
/// `target` is whether the format writes the record's target unless told
/// otherwise.
macro_rules! writer_logger_api {
    ($name:ident, target: $target:literal, $example_line:literal) => {
        impl<W: $crate::Destination> $name<W, $crate::SystemClock> {
            /// A logger that writes to `writer`, at every level, with the time.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Vec::new()).without_time();")]
            /// let ctx = Ctx::new(NopTracer, logger.clone()).with_field("pod", "web-1");
            /// ctxtrace::info!(ctx, target: "pod_sync", "synced");
            /// drop(ctx); // the last clone gives the writer back
            /// let out = logger.into_writer().unwrap();
            #[doc = concat!("assert_eq!(String::from_utf8(out).unwrap(), \"", $example_line, "\\n\");")]
            /// ```
            pub fn new(writer: W) -> Self {
                Self::with_clock(writer, $crate::SystemClock::new())
            }
        }

        impl<W: $crate::Destination, C: $crate::Clock> $name<W, C> {
            /// A logger that takes its time stamps from `clock`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, ManualClock, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::with_clock(Vec::new(), ManualClock::new(0));")]
            /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "x");
            /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
            /// assert!(out.contains("1970-01-01T00:00:00.000000000Z"));
            /// ```
            pub fn with_clock(writer: W, clock: C) -> Self {
                $name {
                    core: $crate::writer::WriterCore::new(writer, clock, $target, stringify!($name)),
                }
            }

            /// The same logger, writing only entries that `level` allows. This
            /// runtime level comes on top of the compile-time one.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, LevelFilter, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Vec::new()).with_level(LevelFilter::Warn);")]
            /// let ctx = Ctx::new(NopTracer, logger.clone());
            /// ctxtrace::info!(ctx, "dropped");
            /// ctxtrace::warn!(ctx, "kept");
            /// assert_eq!(logger.lines(), 1);
            /// ```
            #[must_use]
            pub fn with_level(mut self, level: $crate::LevelFilter) -> Self {
                self.core.level = level;
                self
            }

            /// The same logger, writing no time stamp: for tests and golden
            /// files.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Vec::new())")]
            ///     .without_time();
            /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "synced");
            /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
            /// assert!(!out.contains("time"));
            /// ```
            #[must_use]
            pub fn without_time(mut self) -> Self {
                self.core.time = false;
                self
            }

            /// The runtime level: [`LevelFilter::Trace`](crate::LevelFilter::Trace)
            /// unless set with [`with_level`](Self::with_level).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{LevelFilter, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(std::io::sink());")]
            /// assert_eq!(logger.level(), LevelFilter::Trace);
            /// assert_eq!(logger.with_level(LevelFilter::Error).level(), LevelFilter::Error);
            /// ```
            pub fn level(&self) -> $crate::LevelFilter {
                self.core.level
            }

            /// A clone for one thread's loggers: the same sink, fields, level
            /// and options, with a reference count of its own.
            ///
            /// A `Ctx` makes a logger for every span and field, and each one
            /// counts a reference to what its logger was made from. Loggers
            /// made from one logger on several threads count on one shared
            /// cache line, which the cores then pass between them. Give each
            /// worker thread its own `for_thread()` clone, once, and the
            /// counting stays on that thread; the clone counts its lines on
            /// lines of its own too. Lines still go to the one writer. It
            /// costs two allocations and a pass under a lock over the
            /// handles alive, so call it when the thread starts, not per
            /// entry.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Vec::new());")]
            /// let root = Ctx::new(NopTracer, logger.clone());
            /// std::thread::scope(|s| {
            ///     for worker in 0..2 {
            ///         let root = &root;
            ///         s.spawn(move || {
            ///             let ctx = root.with_logger(root.logger().for_thread());
            ///             let ctx = ctx.with_field("worker", worker);
            ///             ctxtrace::info!(ctx, "synced");
            ///         });
            ///     }
            /// });
            /// drop(root);
            /// assert_eq!(logger.lines(), 2);
            /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
            /// assert_eq!(out.lines().count(), 2);
            /// ```
            #[must_use]
            pub fn for_thread(&self) -> Self {
                $name {
                    core: self.core.for_thread(),
                }
            }

            /// How many lines were written whole, by this logger and its clones.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(std::io::sink());")]
            /// let ctx = Ctx::new(NopTracer, logger.clone());
            /// ctxtrace::info!(ctx, "one");
            /// ctxtrace::info!(ctx, "two");
            /// assert_eq!(logger.lines(), 2);
            /// ```
            pub fn lines(&self) -> u64 {
                self.core.sink().lines()
            }

            /// How many writes and flushes failed, by this logger and its
            /// clones: lines the writer returned an error for (after retrying
            /// `Interrupted` and completing short writes) or panicked on, and
            /// flushes that failed.
            ///
            /// An I/O error or a panic of the writer never reaches the caller:
            /// it is counted here. A line that failed part-way is followed by
            /// a newline before the next line, so later lines stay whole.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            /// struct Full;
            /// impl std::io::Write for Full {
            ///     fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            ///         Err(std::io::ErrorKind::StorageFull.into())
            ///     }
            ///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
            /// }
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Full);")]
            /// ctxtrace::error!(Ctx::new(NopTracer, logger.clone()), "disk full");
            /// assert_eq!((logger.lines(), logger.errors()), (0, 1));
            /// ```
            pub fn errors(&self) -> u64 {
                self.core.sink().errors()
            }

            /// Flushes the writer. A failure is counted in
            /// [`errors`](Self::errors) too.
            ///
            /// # Errors
            ///
            /// The writer's flush error, or an error of kind `Other` when the
            /// writer panicked.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            /// let buffered = std::io::BufWriter::new(Vec::new());
            #[doc = concat!("let logger = ", stringify!($name), "::new(buffered);")]
            /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "buffered");
            /// logger.flush().unwrap();
            /// let writer = logger.into_writer().unwrap();
            /// assert!(writer.buffer().is_empty());
            /// assert!(!writer.get_ref().is_empty());
            /// ```
            pub fn flush(&self) -> std::io::Result<()> {
                self.core.sink().flush(false)
            }

            /// The writer back, if this is the last clone of the logger (else
            /// `None`). Useful in tests that log into a `Vec<u8>`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            #[doc = concat!("let logger = ", stringify!($name), "::new(Vec::new());")]
            /// let clone = logger.clone();
            /// assert!(logger.into_writer().is_none()); // `clone` still shares the writer
            /// ctxtrace::info!(Ctx::new(NopTracer, clone.clone()), "x");
            /// assert!(!clone.into_writer().unwrap().is_empty());
            /// ```
            pub fn into_writer(self) -> Option<W> {
                $crate::writer::into_writer(self.core)
            }

            /// Flushes the writer at shutdown and says whether that worked, so
            /// that the drop of the last clone has nothing left to report.
            ///
            /// Dropping the last clone of a logger flushes its writer too,
            /// but there is no caller left to tell: a failed flush there is
            /// written as one line on stderr. Call `close` on the last clone
            /// to handle the error instead. Clones that log after `close` are
            /// flushed again when the last of them is dropped.
            ///
            /// # Errors
            ///
            /// As [`flush`](Self::flush); the failure is counted in
            /// [`errors`](Self::errors).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use ctxtrace::{Ctx, NopTracer, ", stringify!($name), "};")]
            ///
            /// struct Gone;
            /// impl std::io::Write for Gone {
            ///     fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            ///         Err(std::io::ErrorKind::BrokenPipe.into())
            ///     }
            ///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
            /// }
            ///
            /// // The lines wait in the buffer; the destination is gone.
            #[doc = concat!("let logger = ", stringify!($name), "::new(std::io::BufWriter::new(Gone));")]
            /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "buffered");
            /// assert_eq!((logger.lines(), logger.errors()), (1, 0));
            /// let err = logger.close().unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
            /// ```
            pub fn close(self) -> std::io::Result<()> {
                self.core.sink().flush(true)
            }
        }

        impl<W: $crate::Destination, C> Clone for $name<W, C> {
            fn clone(&self) -> Self {
                $name { core: self.core.clone() }
            }
        }

        impl<W: $crate::Destination, C> std::fmt::Debug for $name<W, C> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.core).finish()
            }
        }
    };
}

pub(crate) use writer_logger_api;

/// The writer inside a sink, if no other logger shares it.
pub(crate) fn into_writer<W: Destination, C>(core: WriterCore<W, C>) -> Option<W> {
    let WriterCore { handle, .. } = core;
    let mut sink = Arc::into_inner(Arc::into_inner(handle)?.sink)?;
    W::take(&mut sink.out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_reserved_key_is_renamed_and_no_other() {
        // `is_renamed` looks at the first letter before the list.
        for key in crate::logger::RESERVED {
            assert!(is_reserved(key) && is_renamed(key), "{key}");
        }
        for key in ["times", "tim", "msgs", "span", "fields", "pod", "Level", ""] {
            assert!(!is_reserved(key) && !is_renamed(key), "{key}");
        }
    }

    use super::*;

    fn rendered(context: &Context, entry: &[crate::Field<'_>]) -> String {
        let mut buf = Vec::new();
        context.push(&mut buf, entry);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn a_tally_keeps_the_counts_of_handles_gone_and_only_live_ones() {
        let mut tally = Tally::default();
        let kept = tally.open();
        kept.0.fetch_add(5, Ordering::Relaxed);
        for n in 0..1_000 {
            let count = tally.open();
            count.0.fetch_add(n, Ordering::Relaxed);
            // Its handle goes: folded in at the next `open`.
        }
        assert_eq!(tally.live.len(), 2, "the kept count and the last one");
        assert_eq!(tally.sum(), 5 + (0..1_000).sum::<u64>());
        drop(kept);
        let _last = tally.open();
        assert_eq!(tally.live.len(), 1);
        assert_eq!(tally.sum(), 5 + (0..1_000).sum::<u64>());
    }

    #[test]
    fn a_field_not_kept_is_not_given_to_events() {
        let push =
            |text: &'static str| move |buf: &mut Vec<u8>| buf.extend_from_slice(text.as_bytes());
        let plain = Context::default()
            .with("a", crate::Value::U64(1), false, push(" a=1"))
            .with("b", crate::Value::Str("x"), false, push(" b=x"));
        assert!(plain.kept.is_empty());
        let mut n = 0;
        plain.for_each(|_, _| n += 1);
        assert_eq!(n, 0);
        // Once one field is kept, the others line up as not kept.
        let mixed = plain.with("c", crate::Value::Bool(true), true, push(" c=true"));
        let mut kept = Vec::new();
        mixed.for_each(|key, value| kept.push(format!("{key}={value:?}")));
        assert_eq!(kept, ["c=Bool(true)"]);
        assert_eq!(rendered(&mixed, &[]), " a=1 b=x c=true");
    }

    #[test]
    fn a_context_field_set_again_replaces_the_earlier_one_in_place_of_order() {
        let push =
            |text: &'static str| move |buf: &mut Vec<u8>| buf.extend_from_slice(text.as_bytes());
        let context = Context::default()
            .with("a", crate::Value::U64(1), true, push(" a=1"))
            .with("b", crate::Value::Str("two"), true, push(" b=2"))
            .with("a", crate::display(&3), true, push(" a=3"));
        assert_eq!(rendered(&context, &[]), " b=2 a=3");
        let entry = [crate::Field::new("b", &0)];
        assert_eq!(rendered(&context, &entry), " a=3");
        let unrelated = [crate::Field::new("c", &0)];
        assert_eq!(rendered(&context, &unrelated), " b=2 a=3");
        // The kept values come back typed, strings and rendered values as
        // strings, in the same order.
        let mut kept = Vec::new();
        context.for_each(|key, value| kept.push(format!("{key}={value:?}")));
        assert_eq!(kept, ["b=Str(\"two\")", "a=Str(\"3\")"]);
        let numbers = Context::default()
            .with("n", crate::Value::I64(-1), true, push(""))
            .with("f", crate::Value::F64(0.5), true, push(""))
            .with("t", crate::Value::Bool(true), true, push(""))
            .with("u", crate::Value::U64(7), true, push(""));
        let mut kept = Vec::new();
        numbers.for_each(|key, value| kept.push(format!("{key}={value:?}")));
        assert_eq!(
            kept,
            ["n=I64(-1)", "f=F64(0.5)", "t=Bool(true)", "u=U64(7)"]
        );
    }

    #[test]
    fn kept_strings_come_back_however_the_field_renders_them() {
        let push =
            |text: &'static str| move |buf: &mut Vec<u8>| buf.extend_from_slice(text.as_bytes());
        // Bare (logfmt), quoted (JSON), escaped, and a `Display` value.
        let context = Context::default()
            .with(
                "bare",
                crate::Value::Str("web-1"),
                true,
                push(" bare=web-1"),
            )
            .with(
                "json",
                crate::Value::Str("n1"),
                true,
                push(r#","json":"n1""#),
            )
            .with(
                "esc",
                crate::Value::Str("a\"b"),
                true,
                push(r#","esc":"a\"b""#),
            )
            .with("shown", crate::display(&7), true, push(" shown=7"))
            .with("none", crate::Value::Null, true, push(""));
        let kept = |context: &Context| {
            let mut kept = Vec::new();
            context.for_each(|key, value| kept.push(format!("{key}={value:?}")));
            kept
        };
        let want = [
            "bare=Str(\"web-1\")",
            "json=Str(\"n1\")",
            "esc=Str(\"a\\\"b\")",
            "shown=Str(\"7\")",
            "none=Null",
        ];
        assert_eq!(kept(&context), want);
        // The kept text is that of the kept strings and nothing else.
        assert_eq!(context.raw, "web-1n1a\"b7");
        // Rebuilt around a replaced key, every kept value moves with it,
        // and the replaced one's text is gone.
        let context = context.with(
            "bare",
            crate::Value::Str("web-2"),
            true,
            push(" bare=web-2"),
        );
        let mut want = want[1..].to_vec();
        want.push("bare=Str(\"web-2\")");
        assert_eq!(kept(&context), want);
        assert_eq!(context.raw, "n1a\"b7web-2");
        assert_eq!(
            rendered(&context, &[]),
            r#","json":"n1","esc":"a\"b" shown=7 bare=web-2"#
        );
    }

    fn rfc3339(nanos: u64) -> String {
        let mut buf = Vec::new();
        push_rfc3339(&mut buf, nanos);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn the_time_cache_writes_what_the_formatter_writes() {
        let mut cache = TimeCache::default();
        for nanos in [
            0,
            5,
            999_999_999,
            1_000_000_000,
            1_795_514_400_123_456_789,
            1_795_514_400_999_999_999,
            1_795_514_401_000_000_000,
            3,
            u64::MAX,
        ] {
            let mut cached = Vec::new();
            cache.push(&mut cached, nanos);
            assert_eq!(String::from_utf8(cached).unwrap(), rfc3339(nanos));
        }
    }

    #[test]
    fn timestamps_match_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339(951_782_400_000_000_001),
            "2000-02-29T00:00:00.000000001Z"
        );
        assert_eq!(
            rfc3339(1_795_514_400_123_456_789),
            "2026-11-24T10:00:00.123456789Z"
        );
        assert_eq!(rfc3339(u64::MAX), "2554-07-21T23:34:33.709551615Z");
    }

    #[test]
    fn integers_format_like_std() {
        for n in [0i64, 7, -7, 10, 99, i64::MIN, i64::MAX] {
            let mut buf = Vec::new();
            push_i64(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }
        let mut buf = Vec::new();
        push_u64(&mut buf, u64::MAX);
        assert_eq!(buf, u64::MAX.to_string().as_bytes());
        // Every digit count, at both ends and in between: the two-digit
        // steps and the odd digit left over.
        let mut n = 1u64;
        for _ in 0..20 {
            for m in [n - 1, n, n + 1, n.saturating_mul(7) / 3, n / 10 * 9 + 5] {
                let mut buf = Vec::new();
                push_u64(&mut buf, m);
                assert_eq!(String::from_utf8(buf).unwrap(), m.to_string());
            }
            n = n.saturating_mul(10);
        }
    }

    #[test]
    fn short_and_interrupted_writes_are_completed() {
        struct Stutter(Vec<u8>, usize);
        impl Write for Stutter {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1 += 1;
                if self.1 % 2 == 0 {
                    return Err(io::ErrorKind::Interrupted.into());
                }
                self.0.push(buf[0]);
                Ok(1)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = Stutter(Vec::new(), 0);
        let mut written = 0;
        assert!(write_whole(&mut w, b"abc", &mut written).is_ok());
        assert_eq!(written, 3);
        assert_eq!(w.0, b"abc");
    }
}
