//! Reading a `JsonLogger` line's keys in order, repeats included
//! (`serde_json`'s map keeps only the last of a repeated key), and the
//! JSON key rule. Shared by `tests/reliability_*.rs` and the fuzz targets in
//! `fuzz/` (both include this file with `#[path]`, as `json`).

// Each includer uses its own subset.
#![allow(dead_code)]

/// The fixed keys; a field with one of these keys is written `fields.<key>`.
const RESERVED: [&str; 7] = [
    "time", "level", "target", "msg", "method", "trace_id", "span_id",
];

/// The key a field with key `key` is written under: exactly `key`, with
/// `fields.` in front when it is one of the fixed keys or already starts
/// with `fields.`.
pub fn written_key(key: &str) -> String {
    if RESERVED.contains(&key) || key.starts_with("fields.") {
        format!("fields.{key}")
    } else {
        key.to_string()
    }
}

/// The keys of a flat JSON object of scalars (what the writer emits), in
/// order and unescaped. Validity is `serde_json`'s to check; this only
/// finds where the keys are.
pub fn keys(line: &str) -> Result<Vec<String>, String> {
    let bytes = line.as_bytes();
    let mut keys = Vec::new();
    let mut i = 1;
    if bytes.first() != Some(&b'{') {
        return Err("no `{`".into());
    }
    if bytes.get(1) == Some(&b'}') {
        return Ok(keys);
    }
    loop {
        let end = string_end(bytes, i)?;
        let key: String = serde_json::from_str(&line[i..end]).map_err(|e| e.to_string())?;
        keys.push(key);
        i = end;
        if bytes.get(i) != Some(&b':') {
            return Err(format!("no `:` at {i}"));
        }
        i += 1;
        i = if bytes.get(i) == Some(&b'"') {
            string_end(bytes, i)?
        } else {
            i + bytes[i..]
                .iter()
                .position(|&b| b == b',' || b == b'}')
                .ok_or("value does not end")?
        };
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b'}') if i + 1 == bytes.len() => return Ok(keys),
            _ => return Err(format!("junk at {i}")),
        }
    }
}

/// Where the JSON string starting at `start` (its opening `"`) ends: just
/// past its closing `"`. Quotes and backslashes are ASCII, so byte offsets
/// are char boundaries.
fn string_end(bytes: &[u8], start: usize) -> Result<usize, String> {
    if bytes.get(start) != Some(&b'"') {
        return Err(format!("no string at {start}"));
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("unterminated string".into())
}
