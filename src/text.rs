//! [`TextLogger`]: one logfmt line per entry.

use std::fmt::{self, Write as _};

use crate::logger::{is_plain_key_byte, plain_key};
use crate::writer::{Bytes, WriterCore, is_renamed, push_i64, push_u64, word, writer_logger_api};
use crate::{Clock, Destination, Level, LevelFilter, Logger, Record, SystemClock, Value};

/// A logger that writes one logfmt line per entry.
///
/// `W` is any `io::Write + Send`, locked for each finished line, or an
/// [`Unlocked`](crate::Unlocked) writer: see [`Destination`].
///
/// ```text
/// time=2026-11-24T10:00:00.123456789Z level=info method=sync_pod trace_id=… span_id=… msg="syncing pod" pod=web-1 namespace=default
/// ```
///
/// The keys come in this order: `time` (left out with
/// [`without_time`](TextLogger::without_time)), `level`, `target` (with
/// [`with_target`](TextLogger::with_target)), then `method`, `trace_id` and
/// `span_id` when the entry was logged under a span, then `msg`, the fields
/// of the `Ctx`, and the entry's own fields.
///
/// **Target.** The record's [target](Record::target) (the module that wrote
/// the entry, or the macro's `target: "..."`) is not written by default, so
/// that lines meant for a terminal stay short;
/// [`JsonLogger`](crate::JsonLogger), whose lines go to machines, writes it
/// by default. A record that has no target gets no `target` key. File and
/// line are not written, as in [`JsonLogger`](crate::JsonLogger).
///
/// **Values.** Numbers are written in decimal (floats in their `Debug`
/// form: `0.5`, `1e-7`, `NaN`), a duration in its `Debug` form (`1.5s`,
/// `250ms`), and every other value as its text; a field whose value is
/// `None` is left out. The table on [`Value`] has each kind. A value is
/// written bare unless it is empty or contains a
/// space, `=`, `"`, `\`, a control character, or an invisible format
/// character that could hide or reorder text (U+2028, U+2029, zero-width and
/// bidirectional controls, U+FEFF). Then it is quoted, and inside the quotes
/// `"` and `\` are escaped with `\`, newline, return and tab are `\n`, `\r`
/// and `\t`, and the other characters named above are `\u{XXXX}`. So an entry
/// is always one line, no value can forge a field, and every value reads back
/// exactly.
///
/// **Keys.** Keys are written bare. Each byte of a key that is not an ASCII
/// letter, digit, or one of `_ . - / @ :` is written as `%XX` (its UTF-8, in
/// upper-case hex: `trace id` is `trace%20id`, `é` is `%C3%A9`), and an
/// empty key as `%`, so a key can never break the line's structure and two
/// keys are never written alike. A field whose key is one of the fixed keys
/// (`time`, `level`, `target`, `msg`, `method`, `trace_id`, `span_id`;
/// `target` even when the target is not written), or starts with `fields.`,
/// is written as `fields.<key>`, so no field can forge a fixed key and the
/// renamed keys never meet (`level` is `fields.level`, `fields.level` is
/// `fields.fields.level`).
///
/// No line holds a key twice: setting a key on the `Ctx` again replaces its
/// earlier value, an entry's own field replaces a `Ctx` field with the same
/// key, and when an entry gives a key twice the last value wins.
///
/// Writing, locking, errors and panics work as for
/// [`JsonLogger`](crate::JsonLogger): lines rendered outside the lock in a
/// reused buffer of the calling thread, written whole with one `write_all`;
/// a `Display` that logs gets its own line; I/O errors and writer panics
/// counted in [`errors`](TextLogger::errors); the last clone's drop flushes,
/// and [`close`](TextLogger::close) returns the flush error.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopTracer, Span, TextLogger};
///
/// let logger = TextLogger::new(Vec::new()).without_time();
/// {
///     let ctx = Ctx::new(NopTracer, logger.clone());
///     let (ctx, mut span) = ctx.start_span("sync_pod");
///     let ctx = span.with_field(&ctx, "pod", "web-1");
///     ctxtrace::info!(ctx, "syncing pod"; reason = "image \"v2\"", attempt = 1);
/// }
/// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
/// assert_eq!(
///     out,
///     "level=info method=sync_pod msg=\"syncing pod\" pod=web-1 reason=\"image \\\"v2\\\"\" attempt=1\n"
/// );
/// ```
pub struct TextLogger<W: Destination, C = SystemClock> {
    core: WriterCore<W, C>,
}

writer_logger_api!(TextLogger, target: false, "level=info msg=synced pod=web-1");

impl<W: Destination, C: Clock> TextLogger<W, C> {
    /// The same logger, writing each record's target as `target=` after
    /// `level=`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer, TextLogger};
    ///
    /// let logger = TextLogger::new(Vec::new()).without_time().with_target();
    /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), target: "podlib::sync", "synced");
    /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    /// assert_eq!(out, "level=info target=podlib::sync msg=synced\n");
    /// ```
    #[must_use]
    pub fn with_target(mut self) -> Self {
        self.core.target = true;
        self
    }
}

impl<W: Destination, C: Clock> Logger for TextLogger<W, C> {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        self.core.level.allows(level)
    }

    // Inlined, so that the check of a literal key can fold into the caller.
    #[inline]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        let plain = plain_key(key);
        TextLogger {
            core: self.core.with_context(key, value, false, |buf| {
                push_field(buf, &mut Vec::new(), key, plain, value);
            }),
        }
    }

    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        let plain = plain_key(key);
        TextLogger {
            core: self.core.with_context(key, value, true, |buf| {
                push_field(buf, &mut Vec::new(), key, plain, value);
            }),
        }
    }

    fn for_thread(&self) -> Self {
        TextLogger::for_thread(self)
    }

    #[inline]
    fn with_method(&self, name: &'static str) -> Self {
        TextLogger {
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
        core.emit(|buf, scratch, times| {
            if let Some(time) = time {
                buf.extend_from_slice(b"time=");
                times.push(buf, time);
                buf.push(b' ');
            }
            buf.extend_from_slice(b"level=");
            buf.extend_from_slice(record.level().as_str().as_bytes());
            if let Some(target) = core.target(record) {
                buf.extend_from_slice(b" target=");
                push_str(buf, target);
            }
            if let Some(method) = core.method {
                buf.extend_from_slice(b" method=");
                if core.method_plain {
                    buf.extend_from_slice(method.as_bytes());
                } else {
                    push_str(buf, method);
                }
            }
            if let Some(ids) = record.span_ids() {
                buf.extend_from_slice(b" trace_id=");
                buf.extend_from_slice(&ids.trace_id.to_hex());
                buf.extend_from_slice(b" span_id=");
                buf.extend_from_slice(&ids.span_id.to_hex());
            }
            buf.extend_from_slice(b" msg=");
            match record.message().as_str() {
                Some(s) => push_str(buf, s),
                None => push_rendered(buf, scratch, record.message()),
            }
            core.push_context(buf, record.fields());
            record.for_each_written_field(|field, plain| {
                push_field(buf, scratch, field.key, plain, field.value);
            });
        });
    }
}

/// Appends ` key=value`, or nothing for [`Value::Null`]. With `plain`, `key`
/// is known to be [plain](crate::logger::plain_key) and is copied as it is;
/// without, it is renamed and encoded as it needs.
fn push_field(buf: &mut Vec<u8>, scratch: &mut Vec<u8>, key: &str, plain: bool, value: Value<'_>) {
    if let Value::Null = value {
        return;
    }
    buf.push(b' ');
    if plain {
        buf.extend_from_slice(key.as_bytes());
    } else {
        if is_renamed(key) {
            buf.extend_from_slice(b"fields.");
        }
        push_key(buf, key);
    }
    buf.push(b'=');
    match value {
        Value::Str(s) => push_str(buf, s),
        Value::I64(n) => push_i64(buf, n),
        Value::U64(n) => push_u64(buf, n),
        Value::F64(n) => {
            let _ = write!(Bytes(buf), "{n:?}");
        }
        Value::Bool(b) => buf.extend_from_slice(if b { b"true" } else { b"false" }),
        // Digits, and a duration's `Debug` form (`1.5s`, `250ms`, `1µs`),
        // never need quotes.
        Value::I128(n) => {
            let _ = write!(Bytes(buf), "{n}");
        }
        Value::U128(n) => {
            let _ = write!(Bytes(buf), "{n}");
        }
        Value::Duration(d) => {
            let _ = write!(Bytes(buf), "{d:?}");
        }
        other => push_rendered(buf, scratch, format_args!("{other}")),
    }
}

/// Appends `key`: as it is when every byte is plain (the common case), else
/// with each other byte of its UTF-8 as `%XX`; an empty key is `%`. One key,
/// one written form, so two keys never meet.
fn push_key(buf: &mut Vec<u8>, key: &str) {
    if key.is_empty() {
        buf.push(b'%');
    } else if key.bytes().all(is_plain_key_byte) {
        buf.extend_from_slice(key.as_bytes());
    } else {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for b in key.bytes() {
            if is_plain_key_byte(b) {
                buf.push(b);
            } else {
                buf.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
            }
        }
    }
}

/// Renders `args` into `scratch`, then appends it quoted if it needs to be.
fn push_rendered(buf: &mut Vec<u8>, scratch: &mut Vec<u8>, args: fmt::Arguments<'_>) {
    scratch.clear();
    let _ = Bytes(scratch).write_fmt(args);
    // `fmt::Write` only ever receives whole `str`s.
    push_str(buf, std::str::from_utf8(scratch).unwrap_or("\u{fffd}"));
}

/// Appends `s` bare, or quoted and escaped when it needs to be.
fn push_str(buf: &mut Vec<u8>, s: &str) {
    if needs_quotes(s) {
        push_quoted(buf, s);
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// Appends `s` in quotes: `"` and `\` escaped with a backslash, newline,
/// return and tab as `\n`, `\r`, `\t`, and any other [hidden](is_hidden)
/// character as `\u{..}`.
///
/// Runs of printable ASCII are skipped 8 bytes at a time and copied whole;
/// where a word holds a byte that may need escaping, bytes are taken one at
/// a time until the next word is plain, and only a non-ASCII byte is
/// decoded, as the start of a character.
fn push_quoted(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    buf.push(b'"');
    // Copied up to `start`; `i` is always at the start of a character.
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(w) = word::at(bytes, i) {
            if escaped(w) | word::non_ascii(w) == 0 {
                i += 8;
                continue;
            }
        }
        // The escape to write (none: a hidden character, written as
        // `\u{..}`) and the character it stands for.
        let (escape, c): (&[u8], char) = match bytes[i] {
            b'"' => (b"\\\"", '"'),
            b'\\' => (b"\\\\", '\\'),
            b'\n' => (b"\\n", '\n'),
            b'\r' => (b"\\r", '\r'),
            b'\t' => (b"\\t", '\t'),
            b if b < 0x20 || b == 0x7f => (b"", char::from(b)),
            b if b < 0x80 => {
                i += 1;
                continue;
            }
            _ => match s.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) if is_hidden(c) => (b"", c),
                Some(c) => {
                    i += c.len_utf8();
                    continue;
                }
                // Never: `i` is at the start of a character.
                None => break,
            },
        };
        buf.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            let _ = write!(Bytes(buf), "\\u{{{:x}}}", u32::from(c));
        } else {
            buf.extend_from_slice(escape);
        }
        i += c.len_utf8();
        start = i;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// Whether `s` must be quoted: it is empty, or holds a space, `=`, `"`,
/// `\` or a [hidden](is_hidden) character. It is read a word at a time, up
/// to the first word that [may need quotes](may_need_quotes): one with a
/// byte that [always needs them](always_quoted) settles it there, and only
/// one flagged for a non-ASCII byte alone is looked at again, by
/// [`needs_quotes_exactly`].
#[inline]
fn needs_quotes(s: &str) -> bool {
    match word::find(s.as_bytes(), may_need_quotes) {
        Some(w) => always_quoted(w) != 0 || needs_quotes_exactly(s),
        None => s.is_empty(),
    }
}

/// Whether any of the 8 bytes of `w` may need quotes: one that
/// [always does](always_quoted), or a byte of a non-ASCII character (which
/// may be hidden).
#[inline]
fn may_need_quotes(w: u64) -> bool {
    always_quoted(w) | word::non_ascii(w) != 0
}

/// Some byte of `w` needs quotes whatever else the string holds: a space,
/// `=`, `"`, `\`, a control byte or DEL. Exact: never for a word with no
/// such byte.
#[inline]
fn always_quoted(w: u64) -> u64 {
    word::byte(w, b' ') | word::byte(w, b'=') | escaped(w)
}

/// Some byte of `w` is escaped inside quotes: `"`, `\`, a control byte or
/// DEL. Exact: never for a word with no such byte.
#[inline]
fn escaped(w: u64) -> u64 {
    word::byte(w, b'"') | word::byte(w, b'\\') | word::byte(w, 0x7f) | word::below(w, 0x20)
}

/// [`needs_quotes`] for a string that may need them: a byte that always
/// does, found a word at a time, or else a hidden character.
#[inline(never)]
fn needs_quotes_exactly(s: &str) -> bool {
    !word::none(s.as_bytes(), |w| always_quoted(w) != 0) || s.chars().any(is_hidden)
}

/// Control characters, and the invisible format characters that can end a
/// line or hide or reorder text when the line is shown.
pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_decided_alike_at_every_place_of_a_run() {
        let slow = |s: &str| {
            s.is_empty()
                || s.chars()
                    .any(|c| matches!(c, ' ' | '=' | '"' | '\\') || is_hidden(c))
        };
        for special in [
            " ", "=", "\"", "\\", "\n", "\u{1}", "\u{7f}", "\u{85}", "\u{200b}", "é", "x",
        ] {
            // Every length to 20, so that short strings and the overlapping
            // last word are covered too.
            for len in (1..=20).filter(|len| !cfg!(miri) || [1, 3, 4, 7, 8, 9, 20].contains(len)) {
                for at in 0..len {
                    let s = format!("{}{special}{}", "p".repeat(at), "q".repeat(len - 1 - at));
                    assert_eq!(needs_quotes(&s), slow(&s), "{s:?}");
                }
            }
        }
        assert!(needs_quotes(""));
        // Non-ASCII beside a byte that always needs quotes, and alone.
        for s in [
            "é x",
            "€€€€€€€€ ",
            "x=€",
            "\u{200b}abcdefgh",
            "abcdefgh\u{85}",
        ] {
            assert!(needs_quotes(s), "{s:?}");
        }
        for s in ["€🦀é", "naïve-café-über-straße"] {
            assert!(!needs_quotes(s), "{s:?}");
        }
    }

    fn quoted(s: &str) -> String {
        let mut buf = Vec::new();
        push_str(&mut buf, s);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn plain_values_stay_bare() {
        assert_eq!(quoted("web-1"), "web-1");
        assert_eq!(quoted("€🦀"), "€🦀");
    }

    #[test]
    fn values_that_could_break_the_line_are_quoted_and_escaped() {
        assert_eq!(quoted(""), "\"\"");
        assert_eq!(quoted("a b"), "\"a b\"");
        assert_eq!(quoted("level=error"), "\"level=error\"");
        assert_eq!(quoted("say \"hi\"\\"), r#""say \"hi\"\\""#);
        assert_eq!(quoted("a\nb\tc\r"), r#""a\nb\tc\r""#);
        assert_eq!(quoted("\u{1b}[31m\u{7f}"), r#""\u{1b}[31m\u{7f}""#);
        assert_eq!(quoted("x\u{2028}y\u{202e}"), r#""x\u{2028}y\u{202e}""#);
        assert_eq!(quoted("\u{85}"), r#""\u{85}""#);
    }

    /// The quoting of `s` one character at a time, as the word-at-a-time
    /// path must give it.
    fn quoted_slowly(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn quoted_runs_are_escaped_alike_at_every_place_of_a_word() {
        let specials = [
            "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{7f}", "\u{85}", "\u{200b}", "\u{feff}", "é",
            "€", "🦀", " ", "=", "x",
        ];
        for (n, special) in specials.iter().enumerate() {
            let other = specials[(n + 3) % specials.len()];
            for at in (0..20).filter(|at| !cfg!(miri) || [0, 7, 8, 15, 19].contains(at)) {
                let s = format!("{}{special}{}{other}", "p".repeat(at), "q".repeat(19 - at));
                let mut buf = Vec::new();
                push_quoted(&mut buf, &s);
                assert_eq!(String::from_utf8(buf).unwrap(), quoted_slowly(&s), "{s:?}");
            }
        }
        let mut buf = Vec::new();
        push_quoted(&mut buf, "");
        assert_eq!(buf, b"\"\"");
    }

    #[test]
    fn keys_are_sanitised_one_to_one() {
        let key = |k: &str| {
            let mut buf = Vec::new();
            push_key(&mut buf, k);
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(key("k8s.pod_name"), "k8s.pod_name");
        assert_eq!(key("a b=c\"d"), "a%20b%3Dc%22d");
        assert_eq!(key(""), "%");
        assert_eq!(key("%"), "%25");
        assert_eq!(key("é"), "%C3%A9");
        // Keys that the old `_` rule wrote alike are written apart.
        assert_ne!(key("a b"), key("a_b"));
    }
}
