//! Fields rendered as one logfmt-style text value: `pod=web-1 attempt=2`.

use std::fmt::{self, Write as _};

use ctxtrace::{Field, OwnedValue, Value};

/// Fields kept by a logger or a span: each key once, with its latest value.
pub(crate) type FieldList = Vec<(&'static str, OwnedValue)>;

/// Sets `key` in `list`: a key set again replaces its value, in its place.
pub(crate) fn set(list: &mut FieldList, key: &'static str, value: Value<'_>) {
    let value = OwnedValue::from(value);
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, old)) => *old = value,
        None => list.push((key, value)),
    }
}

/// The fields of a `Ctx` (or a span), then an entry's own, rendered when
/// displayed: a `Ctx` field that the entry gives itself is left out, and of
/// a key the entry gives twice only the last is written, so no key is
/// written twice.
///
/// Nothing is formatted until a subscriber formats the value, and then
/// straight into its writer, except `Display` values and errors, which are
/// rendered once to decide whether they need quotes.
pub(crate) struct Rendered<'a> {
    pub(crate) ctx: &'a [(&'static str, OwnedValue)],
    pub(crate) fields: &'a [Field<'a>],
}

impl Rendered<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.ctx.is_empty() && self.fields.is_empty()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let own = |key: &str| self.fields.iter().any(|field| field.key == key);
        let ctx = self
            .ctx
            .iter()
            .filter(|(key, _)| !own(key))
            .map(|(key, value)| (*key, value.as_value()));
        let fields = self.fields;
        let entry = fields
            .iter()
            .enumerate()
            .filter(|&(i, field)| !fields[i + 1..].iter().any(|later| later.key == field.key))
            .map(|(_, field)| (field.key, field.value));
        for (i, (key, value)) in ctx.chain(entry).enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write_pair(f, key, value)?;
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
        Rendered { ctx: &[], fields }.to_string()
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
    fn ctx_fields_come_first_and_no_key_is_written_twice() {
        let mut ctx = FieldList::new();
        set(&mut ctx, "reason", Value::Str("back off"));
        set(&mut ctx, "attempt", Value::U64(1));
        set(&mut ctx, "reason", Value::Str("image pull"));
        let fields = [
            Field::new("attempt", &2u32),
            Field::new("pod", "web-1"),
            Field::new("pod", "web-2"),
        ];
        let rendered = Rendered {
            ctx: &ctx,
            fields: &fields,
        };
        assert_eq!(
            rendered.to_string(),
            r#"reason="image pull" attempt=2 pod=web-2"#
        );
        assert!(!rendered.is_empty());
        assert!(
            Rendered {
                ctx: &[],
                fields: &[]
            }
            .is_empty()
        );
    }
}
