//! Recorded spans in the formats that timeline and flame graph viewers open:
//! [`ChromeTrace`] (Trace Event JSON) and [`FoldedStacks`].

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io;

use super::spans::{Event, SpanRecord, Spans};
use crate::json::{push_str, push_value};
use crate::{Level, SpanId, Status};

/// The `pid` of every event: a snapshot is one process.
const PID: u8 = 1;

/// Recorded spans as a Chrome Trace Event file, the JSON that Perfetto
/// (<https://ui.perfetto.dev>), `chrome://tracing` and speedscope open.
///
/// [`write_to`](ChromeTrace::write_to) writes one JSON object,
/// `{"traceEvents":[...],"otherData":{...}}`, one event a line:
///
/// - **Spans** are complete events (`"ph":"X"`) with `ts` and `dur` in
///   microseconds, exact to the nanosecond (`"ts":1.5` is 1,500 ns). `ts`
///   counts from the earliest span start of the snapshot, whose Unix time
///   is `otherData.origin_unix_nanos`; relative times keep their nanoseconds
///   in a double, which Unix-epoch microseconds would not.
/// - **Threads.** Each thread a span started on is one track (`tid`),
///   numbered 1, 2, … in the order of its first span, and named by a
///   `thread_name` metadata event: the name given with
///   [`with_thread_name`](ChromeTrace::with_thread_name), else
///   `thread N` with [`SpanRecord::thread`]'s number.
/// - **Overlaps.** Viewers need the slices of a track to nest. A span that
///   would overlap another on its thread's track without nesting in it
///   (tasks of an async runtime take turns on a thread) goes on another
///   track of the same thread, named `… (2)`, `… (3)`: the first one
///   where it nests, its parent's first. Spans of a synchronous program
///   nest, and stay on one track per thread.
/// - **`args`** of a span: `span_id`, `trace_id`, `parent_id` (as hex),
///   `status` (`unset`, `ok` or `error`, with `code` and `message` for an
///   error) and `attributes`, an object of the span's attributes.
/// - **Events** of a span are instant events (`"ph":"i"`, `"s":"t"`: on
///   their thread's track) named by their message, with `level`, `target`
///   and `fields` in `args`.
/// - **Errors.** A span with an error status has the category `span,error`
///   and `"cname":"terrible"` (red in `chrome://tracing`); an event at
///   [`Level::Error`] has `event,error` and the same colour. Others have
///   `span` and `event`.
///
/// Strings are escaped as [`JsonLogger`](crate::JsonLogger) escapes them,
/// and values are written as it writes them. Spans go out in order of thread
/// and start time, each followed by its events. Nothing but one event at a
/// time is held in memory besides an index of the spans, so a snapshot of
/// 65,536 spans goes to a file without a copy of the document.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ChromeTrace, Ctx, ManualClock, MemoryTracer, NopLogger};
///
/// let clock = ManualClock::new(1_000_000);
/// let tracer = MemoryTracer::with_clock(clock.clone());
/// let (ctx, sync) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
/// let (_, pull) = ctx.start_span("pull");
/// clock.set(1_002_500);
/// drop((pull, sync));
///
/// let spans = tracer.spans();
/// let thread = spans.find("sync_pod").unwrap().thread();
/// let mut out = Vec::new();
/// ChromeTrace::new(&spans).with_thread_name(thread, "main").write_to(&mut out)?;
/// let json = String::from_utf8(out).unwrap();
/// assert!(json.contains(r#"{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"main"}}"#));
/// assert!(json.contains(r#""name":"pull","cat":"span","ph":"X","ts":0,"dur":2.5,"pid":1,"tid":1"#));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ChromeTrace<'a> {
    spans: &'a Spans,
    thread_names: HashMap<u64, String>,
    process_name: Option<String>,
}

impl<'a> ChromeTrace<'a> {
    /// A Trace Event file of `spans`, with default thread names.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ChromeTrace, MemoryTracer};
    ///
    /// let mut out = Vec::new();
    /// ChromeTrace::new(&MemoryTracer::new().spans()).write_to(&mut out)?;
    /// assert!(out.starts_with(br#"{"traceEvents":["#));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(spans: &'a Spans) -> Self {
        ChromeTrace {
            spans,
            thread_names: HashMap::new(),
            process_name: None,
        }
    }

    /// Names the track of the thread numbered `thread`, as
    /// [`SpanRecord::thread`] gives it (the `N` of `ThreadId(N)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ChromeTrace, Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| drop(ctx.start_span("work")));
    /// });
    /// let spans = tracer.spans();
    /// let worker = spans.find("work").unwrap().thread();
    /// let mut out = Vec::new();
    /// ChromeTrace::new(&spans).with_thread_name(worker, "worker-0").write_to(&mut out)?;
    /// assert!(String::from_utf8(out).unwrap().contains(r#""args":{"name":"worker-0"}"#));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn with_thread_name(mut self, thread: u64, name: impl Into<String>) -> Self {
        self.thread_names.insert(thread, name.into());
        self
    }

    /// Names the process, with a `process_name` metadata event.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ChromeTrace, MemoryTracer};
    ///
    /// let mut out = Vec::new();
    /// let spans = MemoryTracer::new().spans();
    /// ChromeTrace::new(&spans).with_process_name("pod_sync").write_to(&mut out)?;
    /// let json = String::from_utf8(out).unwrap();
    /// assert!(json.contains(r#"{"name":"process_name","ph":"M","pid":1,"args":{"name":"pod_sync"}}"#));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn with_process_name(mut self, name: impl Into<String>) -> Self {
        self.process_name = Some(name.into());
        self
    }

    /// Writes the file to `out`, one event at a time. Wrap a file in a
    /// [`BufWriter`](std::io::BufWriter): each event is one `write_all`.
    ///
    /// # Errors
    ///
    /// The first error `out` returns; what was written before it stays.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ChromeTrace, Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// drop(Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod"));
    /// let mut out = Vec::new();
    /// ChromeTrace::new(&tracer.spans()).write_to(&mut out)?;
    /// let json = String::from_utf8(out).unwrap();
    /// assert_eq!(json.matches(r#""ph":"X""#).count(), 1);
    /// assert!(json.ends_with("}\n"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_to<W: io::Write>(&self, mut out: W) -> io::Result<()> {
        let origin = self.spans.iter().map(|s| s.start_unix_nanos()).min();
        let origin = origin.unwrap_or(0);
        let tracks = Tracks::of(self.spans);
        let mut order: Vec<&SpanRecord> = self.spans.iter().collect();
        order.sort_by_key(|s| (tracks.tid(s), s.start_unix_nanos(), s.span_id()));

        let mut buf = Vec::with_capacity(512);
        let mut first = true;
        let mut emit = |buf: &mut Vec<u8>, out: &mut W| -> io::Result<()> {
            let lead: &[u8] = if first { b"\n" } else { b",\n" };
            first = false;
            out.write_all(lead)?;
            out.write_all(buf)?;
            buf.clear();
            Ok(())
        };

        out.write_all(br#"{"traceEvents":["#)?;
        if let Some(name) = &self.process_name {
            buf.extend_from_slice(br#"{"name":"process_name","ph":"M","pid":1,"args":{"name":"#);
            push_str(&mut buf, name);
            buf.extend_from_slice(b"}}");
            emit(&mut buf, &mut out)?;
        }
        for (tid, &(thread, lane)) in tracks.by_tid.iter().enumerate() {
            let tid = tid as u64 + 1;
            buf.extend_from_slice(br#"{"name":"thread_name","ph":"M","pid":1,"tid":"#);
            push_u64(&mut buf, tid);
            buf.extend_from_slice(br#","args":{"name":"#);
            let mut name = match self.thread_names.get(&thread) {
                Some(name) => name.clone(),
                None => format!("thread {thread}"),
            };
            if lane > 0 {
                let _ = write!(name, " ({})", lane + 1);
            }
            push_str(&mut buf, &name);
            buf.extend_from_slice(b"}}");
            emit(&mut buf, &mut out)?;
            buf.extend_from_slice(br#"{"name":"thread_sort_index","ph":"M","pid":1,"tid":"#);
            push_u64(&mut buf, tid);
            buf.extend_from_slice(br#","args":{"sort_index":"#);
            push_u64(&mut buf, tid);
            buf.extend_from_slice(b"}}");
            emit(&mut buf, &mut out)?;
        }
        for span in order {
            let tid = tracks.tid(span);
            push_span(&mut buf, span, origin, tid);
            emit(&mut buf, &mut out)?;
            for event in span.events() {
                push_event(&mut buf, &event, origin, tid);
                emit(&mut buf, &mut out)?;
            }
        }
        out.write_all(b"\n],\n")?;
        buf.extend_from_slice(br#""otherData":{"origin_unix_nanos":"#);
        push_u64(&mut buf, origin);
        buf.extend_from_slice(br#","spans":"#);
        push_u64(&mut buf, self.spans.len() as u64);
        buf.extend_from_slice(b"}}\n");
        out.write_all(&buf)?;
        out.flush()
    }
}

/// The tracks of a snapshot: each thread's first track, numbered from 1 in
/// the order of the thread's first span start (then of its number), and
/// then the threads' further tracks for spans that would overlap without
/// nesting, in the order they were needed.
struct Tracks {
    /// `(thread number, lane)` of each track, by `tid - 1`.
    by_tid: Vec<(u64, usize)>,
    /// The track of each span.
    tids: HashMap<SpanId, u64>,
}

impl Tracks {
    fn of(spans: &Spans) -> Tracks {
        let mut order: Vec<&SpanRecord> = spans.iter().collect();
        order.sort_by_key(|s| (s.thread(), s.start_unix_nanos(), s.span_id()));
        let mut first: HashMap<u64, u64> = HashMap::new();
        for span in &order {
            first
                .entry(span.thread())
                .or_insert(span.start_unix_nanos());
        }
        let mut threads: Vec<u64> = first.keys().copied().collect();
        threads.sort_by_key(|thread| (first[thread], *thread));
        let mut by_tid: Vec<(u64, usize)> = threads.iter().map(|&t| (t, 0)).collect();
        let first_tid: HashMap<u64, u64> = threads
            .iter()
            .enumerate()
            .map(|(i, &thread)| (thread, i as u64 + 1))
            .collect();

        // Per thread, lanes of open spans' ends: a span goes in the first
        // lane, its parent's first, where it ends before the innermost open
        // span does.
        let mut tids: HashMap<SpanId, u64> = HashMap::with_capacity(order.len());
        let mut lanes: Vec<(u64, Vec<u64>)> = Vec::new();
        let mut lane_of: HashMap<SpanId, usize> = HashMap::new();
        let mut current = None;
        for span in order {
            if current != Some(span.thread()) {
                current = Some(span.thread());
                lanes.clear();
                lane_of.clear();
            }
            let (start, end) = (
                span.start_unix_nanos(),
                span.end_unix_nanos().max(span.start_unix_nanos()),
            );
            let fits = |stack: &mut Vec<u64>| {
                while stack.last().is_some_and(|&open_end| open_end <= start) {
                    stack.pop();
                }
                stack.last().is_none_or(|&open_end| end <= open_end)
            };
            let parent_lane = span.parent_id().and_then(|p| lane_of.get(&p).copied());
            let lane = parent_lane
                .filter(|&l| fits(&mut lanes[l].1))
                .or_else(|| (0..lanes.len()).find(|&l| fits(&mut lanes[l].1)));
            let lane = match lane {
                Some(lane) => lane,
                None => {
                    let tid = if lanes.is_empty() {
                        first_tid[&span.thread()]
                    } else {
                        by_tid.push((span.thread(), lanes.len()));
                        by_tid.len() as u64
                    };
                    lanes.push((tid, Vec::new()));
                    lanes.len() - 1
                }
            };
            lanes[lane].1.push(end);
            lane_of.insert(span.span_id(), lane);
            tids.insert(span.span_id(), lanes[lane].0);
        }
        Tracks { by_tid, tids }
    }

    fn tid(&self, span: &SpanRecord) -> u64 {
        self.tids.get(&span.span_id()).copied().unwrap_or(0)
    }
}

/// The colour `chrome://tracing` gives errors.
const ERROR_COLOUR: &[u8] = br#","cname":"terrible""#;

fn push_span(buf: &mut Vec<u8>, span: &SpanRecord, origin: u64, tid: u64) {
    let status = span.status();
    buf.extend_from_slice(br#"{"name":"#);
    push_str(buf, span.name());
    buf.extend_from_slice(if status.is_error() {
        br#","cat":"span,error","ph":"X","ts":"#
    } else {
        br#","cat":"span","ph":"X","ts":"#
    });
    push_micros(buf, span.start_unix_nanos().saturating_sub(origin));
    buf.extend_from_slice(br#","dur":"#);
    push_micros(
        buf,
        span.end_unix_nanos()
            .saturating_sub(span.start_unix_nanos()),
    );
    push_place(buf, tid);
    if status.is_error() {
        buf.extend_from_slice(ERROR_COLOUR);
    }
    buf.extend_from_slice(br#","args":{"span_id":""#);
    buf.extend_from_slice(&span.span_id().to_hex());
    buf.extend_from_slice(br#"","trace_id":""#);
    buf.extend_from_slice(&span.trace_id().to_hex());
    buf.push(b'"');
    if let Some(parent) = span.parent_id() {
        buf.extend_from_slice(br#","parent_id":""#);
        buf.extend_from_slice(&parent.to_hex());
        buf.push(b'"');
    }
    match status {
        Status::Unset => buf.extend_from_slice(br#","status":"unset""#),
        Status::Ok => buf.extend_from_slice(br#","status":"ok""#),
        Status::Error { code, message } => {
            buf.extend_from_slice(br#","status":"error","code":"#);
            push_str(buf, code.as_str());
            buf.extend_from_slice(br#","message":"#);
            push_str(buf, message);
        }
    }
    buf.extend_from_slice(br#","attributes":"#);
    push_object(buf, span.attributes());
    buf.extend_from_slice(b"}}");
}

fn push_event(buf: &mut Vec<u8>, event: &Event<'_>, origin: u64, tid: u64) {
    let error = event.level() == Level::Error;
    buf.extend_from_slice(br#"{"name":"#);
    push_str(buf, event.message());
    buf.extend_from_slice(if error {
        br#","cat":"event,error","ph":"i","s":"t","ts":"#
    } else {
        br#","cat":"event","ph":"i","s":"t","ts":"#
    });
    push_micros(buf, event.unix_nanos().saturating_sub(origin));
    push_place(buf, tid);
    if error {
        buf.extend_from_slice(ERROR_COLOUR);
    }
    buf.extend_from_slice(br#","args":{"level":"#);
    push_str(buf, event.level().as_str());
    buf.extend_from_slice(br#","target":"#);
    push_str(buf, event.target());
    buf.extend_from_slice(br#","fields":"#);
    push_object(buf, event.fields());
    buf.extend_from_slice(b"}}");
}

/// Appends `,"pid":1,"tid":N`.
fn push_place(buf: &mut Vec<u8>, tid: u64) {
    buf.extend_from_slice(br#","pid":"#);
    push_u64(buf, PID.into());
    buf.extend_from_slice(br#","tid":"#);
    push_u64(buf, tid);
}

fn push_object<'v>(
    buf: &mut Vec<u8>,
    fields: impl Iterator<Item = (&'static str, crate::Value<'v>)>,
) {
    buf.push(b'{');
    for (i, (key, value)) in fields.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_str(buf, key);
        buf.push(b':');
        push_value(buf, value);
    }
    buf.push(b'}');
}

fn push_u64(buf: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `nanos` as microseconds, exactly: `3`, `2.5`, `0.001`.
fn push_micros(buf: &mut Vec<u8>, nanos: u64) {
    push_u64(buf, nanos / 1_000);
    let mut rest = nanos % 1_000;
    if rest == 0 {
        return;
    }
    let mut width = 3;
    while rest % 10 == 0 {
        rest /= 10;
        width -= 1;
    }
    let digits = [
        b'0' + (rest / 100 % 10) as u8,
        b'0' + (rest / 10 % 10) as u8,
        b'0' + (rest % 10) as u8,
    ];
    buf.push(b'.');
    buf.extend_from_slice(&digits[3 - width..]);
}

/// Recorded spans as folded stacks, the input of `inferno-flamegraph` and
/// `flamegraph.pl`: one line a stack, `root;child;grandchild 1500`, with
/// the stack's self time in whole microseconds.
///
/// - **Self time** of a span is its duration minus its children's
///   durations, and zero if they add up to more (children that ran
///   concurrently). Identical stacks are added up, in nanoseconds, and
///   then rounded to the nearest microsecond; a stack whose total rounds
///   to zero is left out, as flame graphs have no use for it.
/// - **Stacks** are span names from the root down, through
///   [`Spans::ancestors`]: a span whose parent is not in the snapshot
///   (dropped, or still open) starts a stack of its own.
/// - **Names** cannot break a line: in a name, `;` becomes `:`, every
///   whitespace or control character other than a space becomes a space,
///   and an empty name becomes `(unnamed)`.
///
/// Lines are sorted by stack. The stacks and their totals are kept while
/// they are added up (one entry for each distinct stack, not for each
/// span); the lines are then written one at a time.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, FoldedStacks, ManualClock, MemoryTracer, NopLogger};
/// use std::time::Duration;
///
/// let clock = ManualClock::new(0);
/// let tracer = MemoryTracer::with_clock(clock.clone());
/// let (ctx, sync) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
/// clock.advance(Duration::from_micros(10));
/// let (_, pull) = ctx.start_span("pull");
/// clock.advance(Duration::from_micros(30));
/// drop(pull);
/// drop(sync);
///
/// let mut out = Vec::new();
/// FoldedStacks::new(&tracer.spans()).write_to(&mut out)?;
/// assert_eq!(String::from_utf8(out).unwrap(), "sync_pod 10\nsync_pod;pull 30\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FoldedStacks<'a> {
    spans: &'a Spans,
}

impl<'a> FoldedStacks<'a> {
    /// The folded stacks of `spans`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{FoldedStacks, MemoryTracer};
    ///
    /// let mut out = Vec::new();
    /// FoldedStacks::new(&MemoryTracer::new().spans()).write_to(&mut out)?;
    /// assert!(out.is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(spans: &'a Spans) -> Self {
        FoldedStacks { spans }
    }

    /// Writes the lines to `out`.
    ///
    /// # Errors
    ///
    /// The first error `out` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, FoldedStacks, ManualClock, MemoryTracer, NopLogger};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new(0);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// for _ in 0..2 {
    ///     let (_, span) = ctx.start_span("retry;once\n");
    ///     clock.advance(Duration::from_micros(5));
    ///     drop(span);
    /// }
    /// let mut out = Vec::new();
    /// FoldedStacks::new(&tracer.spans()).write_to(&mut out)?;
    /// assert_eq!(out, b"retry:once  10\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_to<W: io::Write>(&self, mut out: W) -> io::Result<()> {
        let spans = self.spans;
        let mut children: HashMap<SpanId, u64> = HashMap::new();
        for span in spans {
            if let Some(parent) = spans.parent(span) {
                let time = children.entry(parent.span_id()).or_default();
                *time = time.saturating_add(nanos(span));
            }
        }
        let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
        let mut stack = String::new();
        let mut names: Vec<&'static str> = Vec::new();
        for span in spans {
            let own =
                nanos(span).saturating_sub(children.get(&span.span_id()).copied().unwrap_or(0));
            if own == 0 {
                continue;
            }
            names.clear();
            names.push(span.name());
            names.extend(spans.ancestors(span).map(SpanRecord::name));
            stack.clear();
            for (i, name) in names.iter().rev().enumerate() {
                if i > 0 {
                    stack.push(';');
                }
                push_frame(&mut stack, name);
            }
            match stacks.get_mut(stack.as_str()) {
                Some(total) => *total = total.saturating_add(own),
                None => {
                    stacks.insert(stack.clone(), own);
                }
            }
        }
        let mut line = String::new();
        for (stack, total) in &stacks {
            let micros = total / 1_000 + u64::from(total % 1_000 >= 500);
            if micros == 0 {
                continue;
            }
            line.clear();
            let _ = writeln!(line, "{stack} {micros}");
            out.write_all(line.as_bytes())?;
        }
        out.flush()
    }
}

fn nanos(span: &SpanRecord) -> u64 {
    span.end_unix_nanos()
        .saturating_sub(span.start_unix_nanos())
}

/// Appends a span name as one frame of a folded stack.
fn push_frame(stack: &mut String, name: &str) {
    if name.is_empty() {
        stack.push_str("(unnamed)");
        return;
    }
    stack.extend(name.chars().map(|c| match c {
        ';' => ':',
        ' ' => ' ',
        c if c.is_whitespace() || c.is_control() => ' ',
        c => c,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(nanos: u64) -> String {
        let mut buf = Vec::new();
        push_micros(&mut buf, nanos);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn microseconds_are_exact_and_trimmed() {
        let cases = [
            (0, "0"),
            (1, "0.001"),
            (10, "0.01"),
            (999, "0.999"),
            (1_000, "1"),
            (1_500, "1.5"),
            (12_340, "12.34"),
            (u64::MAX, "18446744073709551.615"),
        ];
        for (nanos, text) in cases {
            assert_eq!(micros(nanos), text, "{nanos} ns");
        }
    }

    #[test]
    fn frames_keep_spaces_and_lose_separators() {
        let mut stack = String::new();
        push_frame(&mut stack, "a b;c\td\ne\r\u{7}\u{2028}");
        assert_eq!(stack, "a b:c d e   ");
        stack.clear();
        push_frame(&mut stack, "");
        assert_eq!(stack, "(unnamed)");
    }
}
