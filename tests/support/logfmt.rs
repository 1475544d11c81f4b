//! A strict parser for the logfmt lines `TextLogger` writes, and the key rule
//! its docs state. Shared by `tests/reliability_*.rs` and the fuzz targets in
//! `fuzz/` (both include this file with `#[path]`, as `logfmt`).
//!
//! It accepts exactly the format `src/text.rs` documents and nothing looser:
//! pairs `key=value` separated by one space; keys of `[A-Za-z0-9_.-/@:]`;
//! a value bare (non-empty, no space, `=`, `"`, `\`, control or invisible
//! format character) or quoted, with the escapes `\"`, `\\`, `\n`, `\r`,
//! `\t` and `\u{HEX}` and no raw control or invisible character inside.

// Each includer uses its own subset.
#![allow(dead_code)]

/// The fixed keys; a field with one of these keys is written `fields.<key>`.
pub const RESERVED: [&str; 7] = [
    "time", "level", "target", "msg", "method", "trace_id", "span_id",
];

/// Parses one line (without its newline) into its `(key, value)` pairs, in
/// order, with values unescaped.
pub fn parse(line: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut rest = line;
    loop {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("no `=` in {rest:?}"))?;
        let key = &rest[..eq];
        if key.is_empty() || !is_written_key(key) {
            return Err(format!("bad key {key:?}"));
        }
        rest = &rest[eq + 1..];
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let (v, after) = unquote(quoted)?;
            value = v;
            rest = after;
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            let bare = &rest[..end];
            if bare.is_empty() {
                return Err(format!("empty bare value for {key:?}"));
            }
            if let Some(c) = bare
                .chars()
                .find(|&c| matches!(c, '=' | '"' | '\\') || is_hidden(c))
            {
                return Err(format!("{c:?} in bare value {bare:?}"));
            }
            value = bare.to_string();
            rest = &rest[end..];
        }
        pairs.push((key.to_string(), value));
        match rest.strip_prefix(' ') {
            Some(next) => rest = next,
            None if rest.is_empty() => return Ok(pairs),
            None => return Err(format!("junk after a value: {rest:?}")),
        }
    }
}

/// Reads a quoted value after its opening `"`; returns it and what follows
/// the closing `"`.
fn unquote(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    if chars.next().map(|(_, c)| c) != Some('{') {
                        return Err("`\\u` without `{`".into());
                    }
                    let mut hex = String::new();
                    loop {
                        match chars.next().map(|(_, c)| c) {
                            Some('}') => break,
                            Some(h) if h.is_ascii_hexdigit() && hex.len() < 6 => hex.push(h),
                            other => return Err(format!("bad `\\u{{..}}` at {other:?}")),
                        }
                    }
                    let n = u32::from_str_radix(&hex, 16).map_err(|e| format!("{e}: {hex:?}"))?;
                    out.push(char::from_u32(n).ok_or_else(|| format!("not a char: {n:x}"))?);
                }
                other => return Err(format!("unknown escape {other:?}")),
            },
            c if is_hidden(c) => return Err(format!("raw {c:?} inside quotes")),
            c => out.push(c),
        }
    }
    Err("unterminated quote".into())
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '@' | ':')
}

/// Whether `key` is a key as the writer writes them: plain chars and `%XX`
/// escapes (upper-case hex), or `%` alone for the empty key.
fn is_written_key(key: &str) -> bool {
    if key == "%" || key == "fields.%" {
        return true;
    }
    let bytes = key.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: &u8| b.is_ascii_digit() || (b'A'..=b'F').contains(b);
            match bytes.get(i + 1..i + 3) {
                Some([a, b]) if hex(a) && hex(b) => i += 3,
                _ => return false,
            }
        } else if is_key_char(bytes[i] as char) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Control characters and the invisible format characters the writer must
/// escape (the list in `src/text.rs`'s docs).
pub fn is_hidden(c: char) -> bool {
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

/// The key a field with key `key` is written under, by the documented rule:
/// each UTF-8 byte of a char outside `[A-Za-z0-9_.-/@:]` becomes `%XX`, an
/// empty key is `%`, and a key that is one of the fixed keys or starts with
/// `fields.` gets `fields.` in front.
pub fn written_key(key: &str) -> String {
    let mut out = String::new();
    if RESERVED.contains(&key) || key.starts_with("fields.") {
        out.push_str("fields.");
    }
    if key.is_empty() {
        out.push('%');
    }
    for c in key.chars() {
        if is_key_char(c) {
            out.push(c);
        } else {
            let mut utf8 = [0; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}
