//! How ctxtrace values, levels and statuses become OpenTelemetry ones.

use std::borrow::Cow;
use std::fmt;

use ctxtrace::{Logger, Record, StatusCode, Value};
use opentelemetry::{Key, KeyValue, StringValue};

/// The event attribute that carries the entry's level.
pub(crate) const LEVEL_KEY: Key = Key::from_static_str("level");

/// The attribute of the `exception` event, as the semantic conventions name it.
pub(crate) const EXCEPTION_MESSAGE_KEY: Key = Key::from_static_str("exception.message");

/// The attribute of the `exception` event that names the error's type, as the
/// semantic conventions name it.
pub(crate) const EXCEPTION_TYPE_KEY: Key = Key::from_static_str("exception.type");

/// The span attribute that carries the code of an error status.
pub(crate) const STATUS_CODE_KEY: Key = Key::from_static_str("status.code");

/// The name of the event that records an error, as the semantic conventions
/// name it.
pub(crate) const EXCEPTION_EVENT: &str = "exception";

/// A field as a typed attribute: strings, `i64`, `f64` and `bool` keep their
/// type; an unsigned or 128-bit integer that fits in `i64` becomes an `i64`
/// and a larger one its decimal string; a duration is an `f64` of seconds;
/// `Display` and `Debug` values, errors and paths become their text. `None`
/// has no OpenTelemetry value, so it gives no attribute.
pub(crate) fn key_value(key: &'static str, value: Value<'_>) -> Option<KeyValue> {
    otel_value(value).map(|v| KeyValue::new(Key::from_static_str(key), v))
}

fn otel_value(value: Value<'_>) -> Option<opentelemetry::Value> {
    use opentelemetry::Value as V;
    fn int<N: TryInto<i64> + ToString + Copy>(n: N) -> opentelemetry::Value {
        match n.try_into() {
            Ok(n) => V::I64(n),
            Err(_) => V::String(StringValue::from(n.to_string())),
        }
    }
    Some(match value {
        Value::Str(s) => V::String(StringValue::from(s.to_owned())),
        Value::I64(n) => V::I64(n),
        Value::U64(n) => int(n),
        Value::I128(&n) => int(n),
        Value::U128(&n) => int(n),
        Value::F64(n) => V::F64(n),
        Value::Bool(b) => V::Bool(b),
        Value::Duration(d) => V::F64(d.as_secs_f64()),
        Value::Null => return None,
        // `Display` and `Debug` values, errors, paths, and any kind added
        // later: their text.
        other => V::String(StringValue::from(other.to_string())),
    })
}

/// The event name for an entry: its message, borrowed when the message is a
/// plain string literal with no arguments.
pub(crate) fn event_name(record: &Record<'_>) -> Cow<'static, str> {
    match record.message().as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(record.message().to_string()),
    }
}

/// The attributes of an entry's event: `level`, then the fields of the
/// `Ctx` (`context`'s) that the entry does not give itself, then the entry's
/// own, each key once.
pub(crate) fn event_attributes<L: Logger>(record: &Record<'_>, context: &L) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(1 + record.fields().len());
    attributes.push(KeyValue::new(LEVEL_KEY, record.level().as_str()));
    context.for_each_field(|key, value| {
        if !record.has_field(key) {
            attributes.extend(key_value(key, value));
        }
    });
    attributes.extend(
        record
            .unique_fields()
            .filter_map(|f| key_value(f.key, f.value)),
    );
    attributes
}

/// The description of an error status, which is also the `exception.message`
/// of its `exception` event: the message, or the code's name when the message
/// is empty. The code itself goes in the attribute `status.code`.
pub(crate) fn error_description(code: StatusCode, message: &dyn fmt::Display) -> String {
    let message = message.to_string();
    if message.is_empty() {
        code.as_str().to_owned()
    } else {
        message
    }
}

/// The `exception.type` of an error given to `set_status` or `set_error` as
/// an `E`: the Rust name of `E`, or `None` when `E` is a trait object (`dyn
/// Error`, `&dyn Error`, `Box<dyn Error + Send + Sync>`, ...), whose concrete
/// type is not known.
pub(crate) fn exception_type<E: ?Sized>() -> Option<&'static str> {
    let name = std::any::type_name::<E>();
    let mut pointee = name;
    while let Some(rest) = pointee.strip_prefix('&') {
        pointee = rest.strip_prefix("mut ").unwrap_or(rest);
    }
    let erased = pointee.starts_with("dyn ")
        || pointee
            .split_once('<')
            .is_some_and(|(_, argument)| argument.starts_with("dyn "));
    (!erased).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_type_where_opentelemetry_has_one() {
        use opentelemetry::Value as V;
        let otel_value = |v| otel_value(v).unwrap();
        assert_eq!(otel_value(Value::U64(7)), V::I64(7));
        assert_eq!(
            otel_value(Value::U64(u64::MAX)),
            V::String(u64::MAX.to_string().into())
        );
        assert_eq!(otel_value(Value::I64(-1)), V::I64(-1));
        assert_eq!(otel_value(Value::I128(&-1)), V::I64(-1));
        assert_eq!(
            otel_value(Value::I128(&i128::MIN)),
            V::String(i128::MIN.to_string().into())
        );
        assert_eq!(otel_value(Value::U128(&7)), V::I64(7));
        assert_eq!(otel_value(Value::F64(0.5)), V::F64(0.5));
        assert_eq!(otel_value(Value::Bool(true)), V::Bool(true));
        assert_eq!(otel_value(Value::Str("a")), V::String("a".into()));
        assert_eq!(otel_value(ctxtrace::display(&'x')), V::String("x".into()));
        assert_eq!(
            otel_value(Value::Duration(std::time::Duration::from_millis(1500))),
            V::F64(1.5)
        );
        assert_eq!(otel_value(ctxtrace::debug(&"x")), V::String("\"x\"".into()));
        assert_eq!(super::otel_value(Value::Null), None);
    }

    #[test]
    fn an_error_is_described_by_its_message_or_else_its_code() {
        assert_eq!(error_description(StatusCode::NotFound, &""), "NotFound");
        assert_eq!(
            error_description(StatusCode::Unavailable, &"no route"),
            "no route"
        );
    }

    #[test]
    fn a_trait_object_has_no_exception_type() {
        use std::error::Error;
        assert_eq!(
            exception_type::<std::io::Error>(),
            Some(std::any::type_name::<std::io::Error>())
        );
        assert_eq!(
            exception_type::<&std::fmt::Error>(),
            Some(std::any::type_name::<&std::fmt::Error>())
        );
        // A type whose parameter is a trait object is still a known type.
        assert!(exception_type::<Option<Box<dyn Error>>>().is_some());
        assert_eq!(exception_type::<dyn Error>(), None);
        assert_eq!(exception_type::<&dyn Error>(), None);
        assert_eq!(exception_type::<&mut (dyn Error + Send)>(), None);
        assert_eq!(exception_type::<Box<dyn Error + Send + Sync>>(), None);
        assert_eq!(exception_type::<std::sync::Arc<dyn Error>>(), None);
    }

    #[test]
    fn a_literal_message_is_borrowed() {
        let record = Record::new(ctxtrace::Level::Info, format_args!("plain"), &[]);
        assert!(matches!(event_name(&record), Cow::Borrowed("plain")));
        let n = 3;
        let name = event_name(&Record::new(
            ctxtrace::Level::Info,
            format_args!("n={n}"),
            &[],
        ));
        assert_eq!(name, "n=3");
    }
}
