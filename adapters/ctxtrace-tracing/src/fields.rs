//! Fields rendered as one logfmt-style text value: `pod=web-1 attempt=2`.

use std::fmt::{self, Write as _};

use ctxtrace::{Field, Value};

/// Appends ` key=value` (no leading space when `out` is empty).
pub(crate) fn append(out: &mut String, key: &str, value: Value<'_>) {
    if !out.is_empty() {
        out.push(' ');
    }
    let _ = write_pair(out, key, value);
}

/// A prefix already rendered, then fields rendered when displayed.
///
/// Nothing is formatted until a subscriber formats the value, and then
/// straight into its writer, except `Display` values and errors, which are
/// rendered once to decide whether they need quotes.
pub(crate) struct Rendered<'a> {
    pub(crate) prefix: &'a str,
    pub(crate) fields: &'a [Field<'a>],
}

impl Rendered<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.prefix.is_empty() && self.fields.is_empty()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix)?;
        let mut first = self.prefix.is_empty();
        for field in self.fields {
            if !first {
                f.write_char(' ')?;
            }
            first = false;
            write_pair(f, field.key, field.value)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn write_pair(out: &mut impl fmt::Write, key: &str, value: Value<'_>) -> fmt::Result {
    write_text(out, key)?;
    out.write_char('=')?;
    match value {
        Value::Str(s) => write_text(out, s),
        Value::I64(n) => write!(out, "{n}"),
        Value::U64(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::F64(n) if n.is_finite() => write!(out, "{n}"),
        // NaN and the infinities, `Display` values, errors, and any kind
        // added later: their text, quoted where needed.
        other => write_text(out, &other.to_string()),
    }
}

/// Writes `s` bare when it is a plain token, else quoted with `"` and `\`
/// escaped, and control characters as `\n`, `\t` or `\u{..}`.
fn write_text(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    if !needs_quotes(s) {
        return out.write_str(s);
    }
    out.write_char('"')?;
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c.is_control()) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or_default();
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c => write!(out, "\\u{{{:x}}}", c as u32)?,
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c == '\\' || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(fields: &[Field<'_>]) -> String {
        Rendered { prefix: "", fields }.to_string()
    }

    #[test]
    fn plain_values_are_bare() {
        let fields = [
            Field::new("pod", "web-1"),
            Field::new("n", &-3i32),
            Field::new("u", &7u8),
            Field::new("ok", &true),
            Field::new("f", &0.5f64),
        ];
        assert_eq!(render(&fields), "pod=web-1 n=-3 u=7 ok=true f=0.5");
    }

    #[test]
    fn text_with_spaces_quotes_or_controls_is_quoted_and_escaped() {
        assert_eq!(
            render(&[Field::new("m", "image not found")]),
            r#"m="image not found""#
        );
        assert_eq!(
            render(&[Field::new("m", r#"say "hi"\"#)]),
            r#"m="say \"hi\"\\""#
        );
        assert_eq!(
            render(&[Field::new("m", "a\nb\t\u{1}")]),
            r#"m="a\nb\t\u{1}""#
        );
        assert_eq!(render(&[Field::new("m", "a=b")]), r#"m="a=b""#);
        assert_eq!(render(&[Field::new("m", "")]), r#"m="""#);
        assert_eq!(render(&[Field::new("m", "héllo")]), "m=héllo");
    }

    #[test]
    fn display_values_errors_and_non_finite_floats_are_text() {
        let err = std::io::Error::other("disk full");
        let err = ctxtrace::error(&err);
        let fields = [
            Field::new("e", &err),
            Field::new("c", &'x'),
            Field::new("nan", &f64::NAN),
        ];
        assert_eq!(render(&fields), r#"e="disk full" c=x nan=NaN"#);
    }

    #[test]
    fn the_prefix_comes_first() {
        let mut prefix = String::new();
        append(&mut prefix, "method", Value::Str("sync_pod"));
        append(&mut prefix, "reason", Value::Str("back off"));
        assert_eq!(prefix, r#"method=sync_pod reason="back off""#);
        let fields = [Field::new("attempt", &2u32)];
        let rendered = Rendered {
            prefix: &prefix,
            fields: &fields,
        };
        assert_eq!(
            rendered.to_string(),
            r#"method=sync_pod reason="back off" attempt=2"#
        );
        assert!(!rendered.is_empty());
        assert!(
            Rendered {
                prefix: "",
                fields: &[]
            }
            .is_empty()
        );
    }
}
