//! [`JsonLogger`]: one JSON object per line, with hand-written escaping.

use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::logger::plain_key;
use crate::writer::{Bytes, WriterCore, is_renamed, push_i64, push_u64, word, writer_logger_api};
use crate::{Clock, Destination, Level, LevelFilter, Logger, Record, SystemClock, Value};

/// A logger that writes one JSON object per line.
///
/// `W` is any `io::Write + Send`, which the logger locks for each finished
/// line, or an [`Unlocked`](crate::Unlocked) writer that takes whole lines
/// through a shared reference (stderr, a [`NonBlocking`](crate::NonBlocking)
/// queue): see [`Destination`].
///
/// The keys come in this order: `time` (RFC 3339, UTC, nanoseconds; left out
/// with [`without_time`](JsonLogger::without_time)), `level`, `target`,
/// `msg`; then `method`, `trace_id` and `span_id` when the entry was logged
/// under a span (the ids only when the tracer has ids); then the fields of
/// the `Ctx`, then the entry's own fields.
///
/// ```text
/// {"time":"2026-11-24T10:00:00.123456789Z","level":"info","target":"podlib::sync","msg":"syncing pod","method":"sync_pod","trace_id":"…","span_id":"…","pod":"web-1"}
/// ```
///
/// - `target` is the record's [target](Record::target): the module that
///   wrote the entry, or the `target: "..."` given to the macro, so lines
///   can be grouped and filtered by where they came from. It is written by
///   default, left out for a record that has none (one logged with
///   [`Ctx::log`](crate::Ctx::log) rather than the macros), and turned off
///   with [`without_target`](JsonLogger::without_target). The record's file
///   and line are not written: they tie every line to the source layout and
///   cost bytes on each one, and a field named `file` or `line` is common
///   enough that reserving those keys would rename it. A logger that needs
///   them reads [`Record::file`] and [`Record::line`].
///
/// - Integers, finite floats and booleans are JSON numbers and booleans; a
///   NaN or infinite float is the string `"NaN"`, `"inf"` or `"-inf"`, and
///   a 128-bit integer beyond 64 bits is its decimal string. A duration is a
///   number of seconds (`0.25`), `None` is `null`, and every other value is
///   a string: the table on [`Value`] has each kind.
/// - Strings are escaped as RFC 8259 requires, and also DEL, the C1 controls
///   U+0080–U+009F (NEL ends a line for Unicode-aware readers, CSI starts a
///   terminal escape) and U+2028/U+2029 (for JavaScript readers), so every
///   line is one line and parses back to the exact strings that were logged.
///   Keys are escaped the same way.
/// - A field whose key is one of the fixed keys (`time`, `level`, `target`,
///   `msg`, `method`, `trace_id`, `span_id`; `target` even when the target
///   is not written) is written as `fields.<key>`, so no field can forge
///   `level` or `msg`. So is a field whose key already starts with
///   `fields.`, so that the renamed keys never meet: `level` is written
///   `fields.level`, and `fields.level` is written `fields.fields.level`.
/// - No line holds a key twice: setting a key on the `Ctx` again replaces its
///   earlier value, an entry's own field replaces a `Ctx` field with the same
///   key, and when an entry gives a key twice the last value wins.
/// - Each line is rendered outside any lock, in a buffer of the calling
///   thread's own that is reused, so a line (and a warm
///   [`with_field`](Logger::with_field)) allocates nothing once the logger
///   is warm, and a slow `Display` holds up no other thread. The line is
///   then written whole, with one `write_all` under the writer's lock, so
///   lines from many threads never interleave.
/// - A `Display` value may log, to this logger too: its entry gets a line of
///   its own (rendered in fresh buffers), written before the line that shows
///   the value.
/// - I/O errors and panics of the writer are counted in
///   [`errors`](JsonLogger::errors), never returned to or raised in the
///   caller; the next line starts on a line of its own. A writer that blocks
///   blocks the caller too, and every other thread that writes a line to it
///   meanwhile: give a slow destination a buffered or non-blocking writer.
/// - Dropping the last clone flushes the writer, and reports a failed flush
///   in one line on stderr; [`close`](JsonLogger::close) returns it instead.
/// - A `Display` value that panics propagates its panic, as `format!` would;
///   the line is not written, and the logger goes on working. One that
///   returns `fmt::Error` keeps the text it wrote before it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, JsonLogger, NopTracer, Span};
///
/// let logger = JsonLogger::new(Vec::new()).without_time();
/// {
///     let ctx = Ctx::new(NopTracer, logger.clone());
///     let (ctx, mut span) = ctx.start_span("sync_pod");
///     let ctx = span.with_field(&ctx, "pod", "web-1");
///     ctxtrace::info!(ctx, target: "podlib::sync", "syncing {} containers", 2; attempt = 1, ready = false);
/// }
/// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
/// assert_eq!(
///     out,
///     "{\"level\":\"info\",\"target\":\"podlib::sync\",\"msg\":\"syncing 2 containers\",\"method\":\"sync_pod\",\"pod\":\"web-1\",\"attempt\":1,\"ready\":false}\n"
/// );
/// ```
pub struct JsonLogger<W: Destination, C = SystemClock> {
    core: WriterCore<W, C>,
}

writer_logger_api!(
    JsonLogger,
    target: true,
    r#"{\"level\":\"info\",\"target\":\"pod_sync\",\"msg\":\"synced\",\"pod\":\"web-1\"}"#
);

impl<W: Destination, C: Clock> JsonLogger<W, C> {
    /// The same logger, writing no `target`: for a stream whose readers do
    /// not group by module, or golden files that should not change when
    /// code moves between modules.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, JsonLogger, NopTracer};
    ///
    /// let logger = JsonLogger::new(Vec::new()).without_time().without_target();
    /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), target: "podlib", "synced");
    /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    /// assert_eq!(out, "{\"level\":\"info\",\"msg\":\"synced\"}\n");
    /// ```
    #[must_use]
    pub fn without_target(mut self) -> Self {
        self.core.target = false;
        self
    }
}

impl<W: Destination, C: Clock> Logger for JsonLogger<W, C> {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        self.core.level.allows(level)
    }

    // Inlined, so that the check of a literal key can fold into the caller.
    #[inline]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        let plain = plain_key(key);
        JsonLogger {
            core: self
                .core
                .with_context(key, value, false, |buf| push_field(buf, key, plain, value)),
        }
    }

    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        let plain = plain_key(key);
        JsonLogger {
            core: self
                .core
                .with_context(key, value, true, |buf| push_field(buf, key, plain, value)),
        }
    }

    fn for_thread(&self) -> Self {
        JsonLogger::for_thread(self)
    }

    #[inline]
    fn with_method(&self, name: &'static str) -> Self {
        JsonLogger {
            core: self.core.with_method(name),
        }
    }

    fn for_each_field(&self, f: impl FnMut(&'static str, Value<'_>)) {
        self.core.for_each_field(f);
    }

    #[inline]
    fn has_fields(&self) -> bool {
        self.core.has_fields()
    }

    /// Inlined: the line is rendered out of line, in the shared core;
    /// this reads the clock and hands over the record.
    #[inline]
    fn log(&self, record: &Record<'_>) {
        let time = self.core.now();
        let core = &self.core;
        core.emit(|buf, _scratch, times| {
            // The pieces between the time and the target's text in one copy:
            // the time's closing quote, the level, the target's key.
            let piece = level_piece(record.level());
            let from = match time {
                Some(time) => {
                    buf.extend_from_slice(b"{\"time\":\"");
                    times.push(buf, time);
                    0
                }
                None => {
                    buf.push(b'{');
                    TIME_END.len()
                }
            };
            let to = piece.len() - TARGET_KEY.len();
            match core.target(record) {
                // A target checked once, when its call site was made.
                Some(target) if record.callsite().plain_target() => {
                    buf.extend_from_slice(&piece[from..]);
                    buf.extend_from_slice(target.as_bytes());
                    buf.extend_from_slice(b"\",\"msg\":");
                }
                Some(target) => {
                    buf.extend_from_slice(&piece[from..to]);
                    buf.extend_from_slice(b",\"target\":");
                    push_str(buf, target);
                    buf.extend_from_slice(b",\"msg\":");
                }
                None => {
                    buf.extend_from_slice(&piece[from..to]);
                    buf.extend_from_slice(b",\"msg\":");
                }
            }
            push_message(buf, record.message());
            if let Some(method) = core.method {
                buf.extend_from_slice(b",\"method\":");
                if core.method_plain {
                    buf.push(b'"');
                    buf.extend_from_slice(method.as_bytes());
                    buf.push(b'"');
                } else {
                    push_str(buf, method);
                }
            }
            if let Some(ids) = record.span_ids() {
                buf.extend_from_slice(b",\"trace_id\":\"");
                buf.extend_from_slice(&ids.trace_id.to_hex());
                buf.extend_from_slice(b"\",\"span_id\":\"");
                buf.extend_from_slice(&ids.span_id.to_hex());
                buf.push(b'"');
            }
            core.push_context(buf, record.fields());
            record.for_each_written_field(|field, plain| {
                push_field(buf, field.key, plain, field.value);
            });
            buf.push(b'}');
        });
    }
}

/// What ends the time's string, before the level.
const TIME_END: &[u8] = b"\",";
/// What starts a plain target's string, after the level.
const TARGET_KEY: &[u8] = b",\"target\":\"";

/// [`TIME_END`], `"level":"<level>"` and [`TARGET_KEY`], as one piece: a
/// line copies the part of it that it needs.
fn level_piece(level: Level) -> &'static [u8] {
    match level {
        Level::Error => b"\",\"level\":\"error\",\"target\":\"",
        Level::Warn => b"\",\"level\":\"warn\",\"target\":\"",
        Level::Info => b"\",\"level\":\"info\",\"target\":\"",
        Level::Debug => b"\",\"level\":\"debug\",\"target\":\"",
        Level::Trace => b"\",\"level\":\"trace\",\"target\":\"",
    }
}

/// Appends `,"key":value`. With `plain`, `key` is known to be
/// [plain](crate::logger::plain_key) and is copied as it is; without, it is
/// renamed and escaped as it needs.
#[inline]
fn push_field(buf: &mut Vec<u8>, key: &str, plain: bool, value: Value<'_>) {
    if plain {
        buf.extend_from_slice(b",\"");
        buf.extend_from_slice(key.as_bytes());
    } else {
        push_key(buf, key);
    }
    buf.extend_from_slice(b"\":");
    push_value(buf, value);
}

/// Appends `,"key`, renamed and escaped as it needs.
#[inline(never)]
fn push_key(buf: &mut Vec<u8>, key: &str) {
    buf.push(b',');
    if is_renamed(key) {
        buf.extend_from_slice(b"\"fields.");
    } else {
        buf.push(b'"');
    }
    escape(buf, key);
}

pub(crate) fn push_value(buf: &mut Vec<u8>, value: Value<'_>) {
    match value {
        Value::Str(s) => push_str(buf, s),
        Value::I64(n) => push_i64(buf, n),
        Value::U64(n) => push_u64(buf, n),
        // `Debug` writes the shortest text that reads back to the same
        // float, in a form JSON accepts (`1.0`, `1e-7`, `-0.0`).
        Value::F64(n) if n.is_finite() => {
            let _ = write!(Bytes(buf), "{n:?}");
        }
        Value::F64(n) => {
            let _ = write!(Bytes(buf), "\"{n}\"");
        }
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        Value::Null => buf.extend_from_slice(b"null"),
        // Numbers within 64 bits, which JSON readers take exactly; wider
        // ones as decimal strings, which they do not round.
        Value::I128(&n) => match i64::try_from(n) {
            Ok(n) => push_i64(buf, n),
            Err(_) => {
                let _ = write!(Bytes(buf), "\"{n}\"");
            }
        },
        Value::U128(&n) => match u64::try_from(n) {
            Ok(n) => push_u64(buf, n),
            Err(_) => {
                let _ = write!(Bytes(buf), "\"{n}\"");
            }
        },
        Value::Duration(d) => push_seconds(buf, d),
        other => {
            buf.push(b'"');
            let _ = write!(Escaper(buf), "{other}");
            buf.push(b'"');
        }
    }
}

/// Appends a duration as a JSON number of seconds, exactly: `1.5`,
/// `0.00025`, `3`.
fn push_seconds(buf: &mut Vec<u8>, d: Duration) {
    push_u64(buf, d.as_secs());
    let mut nanos = d.subsec_nanos();
    if nanos == 0 {
        return;
    }
    let mut width = 9;
    while nanos % 10 == 0 {
        nanos /= 10;
        width -= 1;
    }
    let _ = write!(Bytes(buf), ".{nanos:0width$}");
}

fn push_message(buf: &mut Vec<u8>, message: fmt::Arguments<'_>) {
    match message.as_str() {
        Some(s) => push_str(buf, s),
        None => {
            buf.push(b'"');
            let _ = Escaper(buf).write_fmt(message);
            buf.push(b'"');
        }
    }
}

pub(crate) fn push_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    escape(buf, s);
    buf.push(b'"');
}

/// Escapes text written through `fmt` straight into the line.
struct Escaper<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape(self.0, s);
        Ok(())
    }
}

/// What each byte becomes: 0 for itself, `u` for `\u00XX`, another letter for
/// a two-character escape, `C` for the first byte of a possible C1 control,
/// `E` for the first byte of a possible U+2028/9.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[0x7f] = b'u';
    table[0xc2] = b'C';
    table[0xe2] = b'E';
    table
};

/// Appends `\u00XX` for the code point `byte` (below U+0100).
fn push_u00(buf: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.extend_from_slice(&[
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[usize::from(byte >> 4)],
        HEX[usize::from(byte & 0xf)],
    ]);
}

/// Whether any of the 8 bytes of `w` may need escaping: a control byte, `"`,
/// `\`, DEL, or any byte of a non-ASCII char (the C1 controls and the line
/// separators are among those; the others go through the byte table too).
/// Exact for ASCII: a plain chunk is never sent to the slow path by mistake.
#[inline]
fn may_need_escape(w: u64) -> bool {
    // Adding 1 to each byte sets the high bit of a 0x7f; no ASCII byte
    // carries into the next, and a carry out of a non-ASCII byte only
    // follows a byte that is flagged anyway.
    (word::below(w, 0x20)
        | word::byte(w, b'"')
        | word::byte(w, b'\\')
        | word::non_ascii(w | w.wrapping_add(word::ONES)))
        != 0
}

/// Appends `s` escaped for the inside of a JSON string. A string of plain
/// ASCII, the common case (keys, names, most messages), is checked 8 bytes
/// at a time and copied whole; any other goes through the byte table.
#[inline]
fn escape(buf: &mut Vec<u8>, s: &str) {
    if word::none(s.as_bytes(), may_need_escape) {
        buf.extend_from_slice(s.as_bytes());
    } else {
        escape_bytes(buf, s);
    }
}

/// [`escape`] for a string that may need it. Runs of plain ASCII are
/// skipped 8 bytes at a time and copied whole.
///
/// Never inlined: kept out of [`escape`], the plain path stays small enough
/// to inline where strings are written, with no set-up for this loop.
#[inline(never)]
fn escape_bytes(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        while let Some(chunk) = bytes
            .get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
        {
            if may_need_escape(u64::from_le_bytes(chunk)) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        let kind = ESCAPE[b as usize];
        if kind == 0 {
            i += 1;
            continue;
        }
        if kind == b'C' {
            // U+0080..=U+009F are C2 80..=C2 9F: `\u0080`..=`\u009f`.
            let Some(&low @ 0x80..=0x9f) = bytes.get(i + 1) else {
                i += 1;
                continue;
            };
            buf.extend_from_slice(&bytes[start..i]);
            push_u00(buf, low);
            i += 2;
            start = i;
            continue;
        }
        if kind == b'E' {
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            let separator =
                bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9));
            if !separator {
                i += 1;
                continue;
            }
            buf.extend_from_slice(&bytes[start..i]);
            buf.extend_from_slice(if bytes[i + 2] == 0xa8 {
                b"\\u2028"
            } else {
                b"\\u2029"
            });
            i += 3;
            start = i;
            continue;
        }
        buf.extend_from_slice(&bytes[start..i]);
        if kind == b'u' {
            push_u00(buf, b);
        } else {
            buf.extend_from_slice(&[b'\\', kind]);
        }
        i += 1;
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_fast_path_escapes_as_the_byte_loop_does_at_every_length() {
        for special in [
            "", "\"", "\\", "\n", "\u{1}", "\u{7f}", "\u{85}", "\u{2028}", "é",
        ] {
            for len in 0..18 {
                for at in (0..=len).filter(|at| !cfg!(miri) || [0, 7, 8, len].contains(at)) {
                    let s = format!("{}{special}{}", "p".repeat(at), "q".repeat(len - at));
                    let (mut fast, mut slow) = (Vec::new(), Vec::new());
                    escape(&mut fast, &s);
                    escape_bytes(&mut slow, &s);
                    assert_eq!(fast, slow, "{s:?}");
                    assert_eq!(
                        word::none(s.as_bytes(), may_need_escape),
                        special.is_empty(),
                        "{s:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_word_check_is_exact_for_ascii_and_flags_every_non_ascii_byte() {
        // Every byte at every place; under miri, which is slow, every 5th.
        let step = if cfg!(miri) { 5 } else { 1 };
        for b in (0..=255u8).step_by(step) {
            for at in 0..8 {
                let mut chunk = [b'a'; 8];
                chunk[at] = b;
                let flagged = may_need_escape(u64::from_le_bytes(chunk));
                let special = if b.is_ascii() {
                    ESCAPE[usize::from(b)] != 0
                } else {
                    true
                };
                assert_eq!(flagged, special, "byte {b:#04x} at {at}");
            }
        }
    }

    #[test]
    fn every_special_char_is_escaped_at_every_place_of_a_run() {
        for special in [
            "\"", "\\", "\n", "\u{1}", "\u{7f}", "\u{85}", "\u{2028}", "é",
        ] {
            for at in (0..20).filter(|at| !cfg!(miri) || [0, 7, 8, 15, 19].contains(at)) {
                let s = format!("{}{special}{}", "p".repeat(at), "q".repeat(19 - at));
                let want = format!(
                    "{}{}{}",
                    "p".repeat(at),
                    escaped_slowly(special),
                    "q".repeat(19 - at)
                );
                assert_eq!(escaped(&s), want, "{s:?}");
            }
        }
    }

    /// The escape of one special string, char by char.
    fn escaped_slowly(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '"' => "\\\"".to_string(),
                '\\' => "\\\\".to_string(),
                '\n' => "\\n".to_string(),
                c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                    format!("\\u{:04x}", c as u32)
                }
                '\u{2028}' => "\\u2028".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    fn escaped(s: &str) -> String {
        let mut buf = Vec::new();
        escape(&mut buf, s);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escapes_what_rfc_8259_requires_and_the_line_separators() {
        assert_eq!(escaped("a\"b\\c"), r#"a\"b\\c"#);
        assert_eq!(escaped("\n\r\t\u{8}\u{c}"), r"\n\r\t\b\f");
        assert_eq!(escaped("\u{0}\u{1f}\u{7f}"), r"\u0000\u001f\u007f");
        assert_eq!(escaped("x\u{2028}y\u{2029}z"), r"x\u2028y\u2029z");
        assert_eq!(escaped("€ and 🦀 stay"), "€ and 🦀 stay");
        assert_eq!(escaped("\u{2027}\u{202a}"), "\u{2027}\u{202a}");
        assert_eq!(
            escaped("\u{80}\u{85}\u{9b}\u{9f}"),
            r"\u0080\u0085\u009b\u009f"
        );
        assert_eq!(escaped("\u{a0}é\u{ff}"), "\u{a0}é\u{ff}");
    }

    #[test]
    fn each_level_piece_is_the_time_end_the_level_and_the_target_key() {
        for level in [
            Level::Error,
            Level::Warn,
            Level::Info,
            Level::Debug,
            Level::Trace,
        ] {
            let piece = level_piece(level);
            let level_key = format!("\"level\":\"{}\"", level.as_str());
            let expected = [TIME_END, level_key.as_bytes(), TARGET_KEY].concat();
            assert_eq!(piece, expected, "{level}");
        }
    }

    #[test]
    fn floats_are_json_numbers_or_strings() {
        let render = |n: f64| {
            let mut buf = Vec::new();
            push_value(&mut buf, Value::F64(n));
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(render(1.0), "1.0");
        assert_eq!(render(-0.0), "-0.0");
        assert_eq!(render(1e300), "1e300");
        assert_eq!(render(f64::NAN), "\"NaN\"");
        assert_eq!(render(f64::NEG_INFINITY), "\"-inf\"");
    }

    #[test]
    fn durations_are_exact_numbers_of_seconds() {
        let render = |d: Duration| {
            let mut buf = Vec::new();
            push_value(&mut buf, Value::Duration(d));
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(render(Duration::ZERO), "0");
        assert_eq!(render(Duration::from_secs(3)), "3");
        assert_eq!(render(Duration::from_millis(1500)), "1.5");
        assert_eq!(render(Duration::from_micros(250)), "0.00025");
        assert_eq!(render(Duration::from_nanos(1)), "0.000000001");
        assert_eq!(render(Duration::new(7, 120_000_009)), "7.120000009");
        assert_eq!(render(Duration::MAX), "18446744073709551615.999999999");
    }
}
