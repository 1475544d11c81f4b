//! What fields carry: [`Value`], borrowed at the call site, and [`ToValue`].

use core::error::Error;
use core::fmt;
use core::time::Duration;

/// A field value, borrowed from the call site.
///
/// Building a `Value` never allocates: strings, 128-bit integers,
/// [`Display`](fmt::Display) and [`Debug`](fmt::Debug) values, errors and
/// paths are borrowed, and the other numbers and durations are copied. A
/// backend that keeps a value past the call copies it into its own storage.
///
/// # How each backend writes a value
///
/// | field value | `Value` | [`JsonLogger`] | [`TextLogger`] (logfmt) | memory recorder | OpenTelemetry attribute | `tracing` field | `log` key-value |
/// | --- | --- | --- | --- | --- | --- | --- | --- |
/// | `&str`, `String`, `Box<str>`, `Arc<str>`, `Rc<str>`, `Cow<str>` | `Str` | string | text | `Str` | `String` | `&str` | `&str` |
/// | `i8` … `i64`, `isize` | `I64` | number | digits | `I64` | `I64` | `i64` | `i64` |
/// | `u8` … `u64`, `usize` | `U64` | number | digits | `U64` | `I64`; above `i64::MAX` its decimal `String` | `u64` | `u64` |
/// | `i128`, `u128` | `I128`, `U128` | number within 64 bits, else its decimal string | digits | `I128`, `U128` | `I64` when it fits, else its decimal `String` | `i128`, `u128` | `i128`, `u128` |
/// | `f32`, `f64` | `F64` | number; NaN and infinities as the strings `"NaN"`, `"inf"`, `"-inf"` | `Debug` form: `0.5`, `1e-7`, `NaN` | `F64` | `F64` | `f64` | `f64` |
/// | `bool` | `Bool` | `true`, `false` | `true`, `false` | `Bool` | `Bool` | `true`, `false` | `bool` |
/// | [`Duration`] | `Duration` | number of seconds, exact: `1.5`, `0.00025` | `Debug` form: `1.5s`, `250ms`, `1µs` | `Duration` | `F64`, seconds | `Debug` form | `Debug` form, as text |
/// | `None` (`Some(x)` is `x`'s value) | `Null` | `null` | left out | `Null` | left out | left out | `null` |
/// | `char`, `IpAddr`, `Ipv4Addr`, `Ipv6Addr`, `SocketAddr`, `SocketAddrV4`, `SocketAddrV6`, [`display(&x)`](display), `key = %x` | `Display` | string | text | `Str` | `String` | text | `Display` value |
/// | `&Path`, `PathBuf` (`std`) | `Path` | string, lossy (U+FFFD for bytes that are not UTF-8) | text, lossy | `Str` | `String`, lossy | text, lossy | `Display` value, lossy |
/// | [`debug(&x)`](debug), `key = ?x` | `Debug` | string of `{:?}` | text of `{:?}` | `Str` | `String` | text of `{:?}` | `Debug` value |
/// | `io::Error`, [`error(&e)`](error) | `Error` | string of its `Display` | text | `Str` | `String` | `&dyn Error` | `Display` value |
///
/// - A `Box`, `Arc`, `Rc` or `Cow` of a value type, and a reference to one,
///   is that type's value.
/// - "text" is the value's text, written bare unless it needs quotes (see
///   [`TextLogger`]); "digits" are the decimal digits, with a `-` when
///   negative; a "string" is a JSON string with every character escaped that
///   RFC 8259 requires.
/// - The memory recorder keeps a `Display`, `Debug`, `Path` or `Error` value
///   as its text (`Str`), and every other kind with its type: the column
///   names the [`Value`] that [`SpanRecord::attribute`] and [`Event::field`]
///   return, which is also the [`OwnedValue`] that [`Entry::field`] returns.
/// - **Null.** `None` is a value where a backend has one (JSON `null`, the
///   memory recorder's `Null`, `log`'s null) and is left out where a backend
///   has none (logfmt, `tracing`'s `fields`, OpenTelemetry attributes). In
///   the writers a `None` still takes its key's place: as an entry field it
///   hides the `Ctx` field of the same key, and set on the `Ctx` it replaces
///   the earlier value. An OpenTelemetry span keeps an attribute once set,
///   so a `None` set later leaves it as it was.
/// - A logger that keeps its `Ctx` fields as [`OwnedValue`]s (the memory
///   logger, `log`'s) has rendered a `Display`, `Debug`, `Path` or `Error`
///   value to its text when the field was added, so `log` sees a `&str`
///   there rather than a `Display` value.
/// - With the `serde` feature an [`OwnedValue`] serializes as the JSON
///   column shows, except that a 128-bit integer is always a number, a
///   duration is serde's `{"secs":…,"nanos":…}`, and a non-finite float is
///   `{"f64":"NaN"}`, `{"f64":"inf"}` or `{"f64":"-inf"}`, so that recorded
///   spans read back exactly and a NaN never reads back as the string
///   `"NaN"`.
/// - [`Redacted`] values are the string `[redacted]` everywhere.
///
/// [`JsonLogger`]: crate::JsonLogger
/// [`TextLogger`]: crate::TextLogger
/// [`SpanRecord::attribute`]: crate::SpanRecord::attribute
/// [`Event::field`]: crate::Event::field
/// [`Entry::field`]: crate::Entry::field
/// [`OwnedValue`]: crate::OwnedValue
///
/// # Examples
///
/// ```
/// use ctxtrace::{ToValue, Value};
/// use std::time::Duration;
///
/// assert_eq!("web-1".to_value(), Value::Str("web-1"));
/// assert_eq!(3u8.to_value(), Value::U64(3));
/// assert_eq!((-3i32).to_value(), Value::I64(-3));
/// assert_eq!(Duration::from_millis(250).to_value(), Value::Duration(Duration::from_millis(250)));
/// assert_eq!(None::<&str>.to_value(), Value::Null);
/// assert_eq!(ctxtrace::display(&'x').to_string(), "x");
/// assert_eq!(ctxtrace::debug(&Some("x")).to_string(), "Some(\"x\")");
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A string.
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A 128-bit signed integer, borrowed so that a `Value` stays three
    /// words.
    I128(&'a i128),
    /// A 128-bit unsigned integer, borrowed so that a `Value` stays three
    /// words.
    U128(&'a u128),
    /// A float. Writers render a non-finite float as a string.
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// A span of time.
    Duration(Duration),
    /// No value: what `None` gives.
    Null,
    /// Anything that implements [`Display`](fmt::Display), formatted only when a
    /// backend writes or keeps it.
    Display(&'a dyn fmt::Display),
    /// Anything that implements [`Debug`](fmt::Debug), formatted with `{:?}`
    /// only when a backend writes or keeps it.
    Debug(&'a dyn fmt::Debug),
    /// An error. Backends render its `Display`.
    Error(&'a (dyn Error + 'static)),
    /// A file system path. Backends render it as [`Path::display`] does,
    /// replacing what is not UTF-8 with U+FFFD.
    ///
    /// [`Path::display`]: std::path::Path::display
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    Path(&'a std::path::Path),
}

impl Value<'_> {
    /// The string, if this value is a [`Value::Str`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Value;
    ///
    /// assert_eq!(Value::Str("a").as_str(), Some("a"));
    /// assert_eq!(Value::Bool(true).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match *self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is an integer that fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Value;
    ///
    /// assert_eq!(Value::U64(7).as_i64(), Some(7));
    /// assert_eq!(Value::U64(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I64(n) => Some(n),
            Value::U64(n) => i64::try_from(n).ok(),
            Value::I128(&n) => i64::try_from(n).ok(),
            Value::U128(&n) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// An integer value as its sign and magnitude, whatever its width.
    fn integer(&self) -> Option<(bool, u128)> {
        match *self {
            Value::I64(n) => Some((n < 0, u128::from(n.unsigned_abs()))),
            Value::U64(n) => Some((false, u128::from(n))),
            Value::I128(&n) => Some((n < 0, n.unsigned_abs())),
            Value::U128(&n) => Some((false, n)),
            _ => None,
        }
    }
}

impl fmt::Display for Value<'_> {
    /// Writes the value as text: strings as they are, numbers in decimal,
    /// durations in their `Debug` form (`1.5s`), `Debug` values with `{:?}`,
    /// paths lossily, `Display` values and errors through their `Display`,
    /// and `Null` as nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.write_str(s),
            Value::I64(n) => fmt::Display::fmt(&n, f),
            Value::U64(n) => fmt::Display::fmt(&n, f),
            Value::I128(n) => fmt::Display::fmt(n, f),
            Value::U128(n) => fmt::Display::fmt(n, f),
            Value::F64(n) => fmt::Display::fmt(&n, f),
            Value::Bool(b) => fmt::Display::fmt(&b, f),
            Value::Duration(d) => fmt::Debug::fmt(&d, f),
            Value::Null => Ok(()),
            Value::Display(d) => fmt::Display::fmt(d, f),
            Value::Debug(d) => fmt::Debug::fmt(d, f),
            Value::Error(e) => fmt::Display::fmt(e, f),
            #[cfg(feature = "std")]
            Value::Path(p) => fmt::Display::fmt(&p.display(), f),
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.debug_tuple("Str").field(&s).finish(),
            Value::I64(n) => f.debug_tuple("I64").field(&n).finish(),
            Value::U64(n) => f.debug_tuple("U64").field(&n).finish(),
            Value::I128(n) => f.debug_tuple("I128").field(n).finish(),
            Value::U128(n) => f.debug_tuple("U128").field(n).finish(),
            Value::F64(n) => f.debug_tuple("F64").field(&n).finish(),
            Value::Bool(b) => f.debug_tuple("Bool").field(&b).finish(),
            Value::Duration(d) => f.debug_tuple("Duration").field(&d).finish(),
            Value::Null => f.write_str("Null"),
            Value::Display(d) => f
                .debug_tuple("Display")
                .field(&format_args!("{d}"))
                .finish(),
            Value::Debug(d) => f
                .debug_tuple("Debug")
                .field(&format_args!("{d:?}"))
                .finish(),
            Value::Error(e) => f.debug_tuple("Error").field(&format_args!("{e}")).finish(),
            #[cfg(feature = "std")]
            Value::Path(p) => f.debug_tuple("Path").field(&p).finish(),
        }
    }
}

impl PartialEq for Value<'_> {
    /// Values of the same kind compare by content, and integers by value
    /// whatever their width or sign. `Display` and `Debug` values, errors and
    /// paths compare by their rendered text, and are never equal to a `Str`.
    fn eq(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (self.integer(), other.integer()) {
            return a == b;
        }
        match (*self, *other) {
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::F64(a), Value::F64(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Null, Value::Null) => true,
            (a, b) if a.is_rendered() && b.is_rendered() => fmt_eq(&a, &b),
            _ => false,
        }
    }
}

impl Value<'_> {
    /// Whether backends keep this value only as its rendered text: the
    /// kinds whose copy runs code of the caller's (a `Display`, `Debug` or
    /// error impl, or a path's conversion). Every other kind is copied as
    /// it is.
    #[inline]
    pub(crate) fn is_rendered(&self) -> bool {
        match self {
            Value::Display(_) | Value::Debug(_) | Value::Error(_) => true,
            #[cfg(feature = "std")]
            Value::Path(_) => true,
            _ => false,
        }
    }
}

/// Compares two `Display` renderings without allocating.
///
/// `a` is rendered piece by piece; each piece is matched against `b`'s
/// rendering at the same offset. Quadratic, but only tests and assertions
/// compare `Display` values.
fn fmt_eq(a: &dyn fmt::Display, b: &dyn fmt::Display) -> bool {
    struct Pieces<'b> {
        other: &'b dyn fmt::Display,
        offset: usize,
        equal: bool,
    }
    impl fmt::Write for Pieces<'_> {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            let mut window = Window {
                skip: self.offset,
                want: piece,
                pos: 0,
                equal: true,
            };
            let _ = fmt::write(&mut window, format_args!("{}", self.other));
            self.equal &= window.equal && window.pos == piece.len();
            self.offset += piece.len();
            Ok(())
        }
    }
    let mut pieces = Pieces {
        other: b,
        offset: 0,
        equal: true,
    };
    let _ = fmt::write(&mut pieces, format_args!("{a}"));
    let mut total = Counter(0);
    let _ = fmt::write(&mut total, format_args!("{b}"));
    pieces.equal && total.0 == pieces.offset
}

struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Matches `want` against a rendering, starting at byte `skip` of it.
struct Window<'w> {
    skip: usize,
    want: &'w str,
    pos: usize,
    equal: bool,
}

impl fmt::Write for Window<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        if self.skip >= bytes.len() {
            self.skip -= bytes.len();
            return Ok(());
        }
        bytes = &bytes[self.skip..];
        self.skip = 0;
        let want = &self.want.as_bytes()[self.pos..];
        let n = want.len().min(bytes.len());
        if want[..n] != bytes[..n] {
            self.equal = false;
        }
        self.pos += n;
        Ok(())
    }
}

/// A type that can be a field value.
///
/// Implemented for strings (`str`, and with `std` `String` and any `Box`,
/// `Arc`, `Rc` or `Cow` of a value type), integers of every width, floats,
/// `bool`, `char`, [`Duration`], `Option` of a value type, the address types
/// of [`core::net`], paths (with `std`), [`Value`] itself (so the wrappers
/// [`display`], [`debug`] and [`error`] work as fields) and references to any
/// of them. The table on [`Value`] shows what each becomes. Implement it for
/// your own types to use them as fields directly.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ToValue, Value};
///
/// struct PodPhase(&'static str);
///
/// impl ToValue for PodPhase {
///     fn to_value(&self) -> Value<'_> {
///         Value::Str(self.0)
///     }
/// }
///
/// assert_eq!(PodPhase("Running").to_value(), Value::Str("Running"));
/// assert_eq!(Some(PodPhase("Pending")).to_value(), Value::Str("Pending"));
/// ```
pub trait ToValue {
    /// Borrows `self` as a [`Value`].
    ///
    /// # For implementors
    ///
    /// Do not allocate: return a borrowed string, a number, or
    /// [`Value::Display`] or [`Value::Debug`] with `self` as the value.
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue + ?Sized> ToValue for &mut T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    /// The value inside, or [`Value::Null`] for `None`.
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(value) => value.to_value(),
            None => Value::Null,
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

macro_rules! int_to_value {
    ($variant:ident, $as:ty: $($t:ty)*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value<'_> {
                Value::$variant(*self as $as)
            }
        }
    )*};
}

int_to_value!(I64, i64: i8 i16 i32 i64 isize);
int_to_value!(U64, u64: u8 u16 u32 u64 usize);

impl ToValue for i128 {
    fn to_value(&self) -> Value<'_> {
        Value::I128(self)
    }
}

impl ToValue for u128 {
    fn to_value(&self) -> Value<'_> {
        Value::U128(self)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::F64(*self)
    }
}

impl ToValue for f32 {
    fn to_value(&self) -> Value<'_> {
        Value::F64(f64::from(*self))
    }
}

impl ToValue for Duration {
    fn to_value(&self) -> Value<'_> {
        Value::Duration(*self)
    }
}

/// Types that are fields through their `Display`.
macro_rules! display_to_value {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Display(self)
            }
        }
    )*};
}

display_to_value!(
    char
    core::net::IpAddr core::net::Ipv4Addr core::net::Ipv6Addr
    core::net::SocketAddr core::net::SocketAddrV4 core::net::SocketAddrV6
);

#[cfg(feature = "std")]
impl ToValue for std::string::String {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

#[cfg(feature = "std")]
impl<T: ToValue + ?Sized> ToValue for std::boxed::Box<T> {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

#[cfg(feature = "std")]
impl<T: ToValue + ?Sized> ToValue for std::sync::Arc<T> {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

#[cfg(feature = "std")]
impl<T: ToValue + ?Sized> ToValue for std::rc::Rc<T> {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

#[cfg(feature = "std")]
impl<B: ToValue + ToOwned + ?Sized> ToValue for std::borrow::Cow<'_, B> {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

#[cfg(feature = "std")]
impl ToValue for std::path::Path {
    fn to_value(&self) -> Value<'_> {
        Value::Path(self)
    }
}

#[cfg(feature = "std")]
impl ToValue for std::path::PathBuf {
    fn to_value(&self) -> Value<'_> {
        Value::Path(self)
    }
}

#[cfg(feature = "std")]
impl ToValue for std::io::Error {
    fn to_value(&self) -> Value<'_> {
        Value::Error(self)
    }
}

/// A [`Display`](fmt::Display) value as a field, formatted only when a backend
/// writes or keeps it. In the logging macros, `key = %value` does the same.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Value, display};
///
/// let addr = std::net::Ipv4Addr::new(10, 0, 0, 7);
/// assert_eq!(display(&addr).to_string(), "10.0.0.7");
/// assert!(matches!(display(&addr), Value::Display(_)));
/// ```
pub fn display<T: fmt::Display>(value: &T) -> Value<'_> {
    Value::Display(value)
}

/// A [`Debug`](fmt::Debug) value as a field, formatted with `{:?}` only when
/// a backend writes or keeps it. In the logging macros, `key = ?value` does
/// the same.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Value, debug};
///
/// let phases = ["Pending", "Running"];
/// assert_eq!(debug(&phases).to_string(), r#"["Pending", "Running"]"#);
/// assert!(matches!(debug(&phases), Value::Debug(_)));
/// ```
pub fn debug<T: fmt::Debug>(value: &T) -> Value<'_> {
    Value::Debug(value)
}

/// An error as a field. Backends write its `Display`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Value, error};
///
/// let err = "x".parse::<u8>().unwrap_err();
/// assert_eq!(error(&err).to_string(), "invalid digit found in string");
/// assert!(matches!(error(&err), Value::Error(_)));
/// ```
pub fn error<E: Error + 'static>(err: &E) -> Value<'_> {
    Value::Error(err)
}

/// A field: a static key and a borrowed value.
///
/// The logging macros build fields from `key = value` pairs; a backend receives
/// them as a slice in [`Record::fields`](crate::Record::fields).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Field, Value};
///
/// let field = Field::new("attempt", &3u32);
/// assert_eq!(field.key, "attempt");
/// assert_eq!(field.value, Value::U64(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field<'a> {
    /// The key.
    pub key: &'static str,
    /// The value.
    pub value: Value<'a>,
}

impl<'a> Field<'a> {
    /// A field from a key and anything that is a [`ToValue`]. The value is
    /// borrowed, not copied.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Value};
    ///
    /// let pod: &str = "web-1";
    /// let field = Field::new("pod", pod);
    /// assert_eq!(field.value, Value::Str("web-1"));
    /// ```
    #[inline]
    pub fn new<V: ToValue + ?Sized>(key: &'static str, value: &'a V) -> Self {
        Field {
            key,
            value: value.to_value(),
        }
    }
}

/// A value copied out of the call site, as the memory backends keep it.
///
/// `Display` and `Debug` values, errors and paths are rendered to
/// [`OwnedValue::Str`] when they are copied; every other kind keeps its type.
///
/// # Examples
///
/// ```
/// use ctxtrace::{OwnedValue, Value};
///
/// let owned = OwnedValue::from(ctxtrace::display(&'x'));
/// assert_eq!(owned, OwnedValue::Str("x".to_string()));
/// assert_eq!(owned.as_value(), Value::Str("x"));
/// assert_eq!(OwnedValue::I64(3), OwnedValue::U64(3));
/// assert_eq!(OwnedValue::from(Value::U128(&u128::MAX)), OwnedValue::U128(u128::MAX));
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Debug)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum OwnedValue {
    /// No value: a `None`. Serialized as a unit (JSON `null`).
    Null,
    /// A boolean.
    Bool(bool),
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A 128-bit unsigned integer.
    U128(u128),
    /// A 128-bit signed integer.
    I128(i128),
    /// A float. Serialized as a number when it is finite, and as
    /// `{"f64":"NaN"}`, `{"f64":"inf"}` or `{"f64":"-inf"}` when it is not,
    /// which JSON can carry and no other value takes: it reads back as the
    /// same float, never as a string.
    #[cfg_attr(
        feature = "serde",
        serde(
            serialize_with = "crate::serde::float::serialize",
            deserialize_with = "crate::serde::float::deserialize"
        )
    )]
    F64(f64),
    /// A span of time. Serialized as serde serializes a [`Duration`].
    Duration(Duration),
    /// A string, or a rendered `Display` or `Debug` value, error or path.
    Str(std::string::String),
}

#[cfg(feature = "std")]
impl OwnedValue {
    /// Borrows the value as a [`Value`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{OwnedValue, Value};
    ///
    /// let owned = OwnedValue::Str("web-1".to_string());
    /// assert_eq!(owned.as_value(), Value::Str("web-1"));
    /// assert_eq!(OwnedValue::Bool(true).as_value(), Value::Bool(true));
    /// assert_eq!(OwnedValue::Null.as_value(), Value::Null);
    /// ```
    pub fn as_value(&self) -> Value<'_> {
        match *self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Bool(b) => Value::Bool(b),
            OwnedValue::U64(n) => Value::U64(n),
            OwnedValue::I64(n) => Value::I64(n),
            OwnedValue::U128(ref n) => Value::U128(n),
            OwnedValue::I128(ref n) => Value::I128(n),
            OwnedValue::F64(n) => Value::F64(n),
            OwnedValue::Duration(d) => Value::Duration(d),
            OwnedValue::Str(ref s) => Value::Str(s),
        }
    }
}

#[cfg(feature = "std")]
impl From<Value<'_>> for OwnedValue {
    fn from(value: Value<'_>) -> Self {
        match value {
            Value::Str(s) => OwnedValue::Str(s.into()),
            Value::I64(n) => OwnedValue::I64(n),
            Value::U64(n) => OwnedValue::U64(n),
            Value::I128(&n) => OwnedValue::I128(n),
            Value::U128(&n) => OwnedValue::U128(n),
            Value::F64(n) => OwnedValue::F64(n),
            Value::Bool(b) => OwnedValue::Bool(b),
            Value::Duration(d) => OwnedValue::Duration(d),
            Value::Null => OwnedValue::Null,
            other => OwnedValue::Str(other.to_string()),
        }
    }
}

#[cfg(feature = "std")]
impl PartialEq for OwnedValue {
    /// Compares as [`Value`] does: integers by value whatever their width or
    /// sign, since JSON does not keep the difference.
    fn eq(&self, other: &Self) -> bool {
        self.as_value() == other.as_value()
    }
}

#[cfg(feature = "std")]
impl core::fmt::Display for OwnedValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.as_value(), f)
    }
}

#[cfg(feature = "std")]
impl ToValue for OwnedValue {
    fn to_value(&self) -> Value<'_> {
        self.as_value()
    }
}

/// A secret as a field value: every backend renders it as `[redacted]`.
///
/// The wrapped value is never formatted by this crate: text and JSON lines,
/// the memory recorder, serde output and the adapters all see the string
/// `[redacted]`, and so do `Debug` and `Display`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, NopTracer, Redacted, ToValue, Value};
///
/// let token = Redacted("s3cr3t");
/// assert_eq!(token.to_value(), Value::Str("[redacted]"));
/// assert_eq!(format!("{token} {token:?}"), "[redacted] [redacted]");
///
/// let logger = MemoryLogger::new();
/// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "login"; token = token);
/// assert_eq!(logger.entries()[0].field("token").unwrap().to_string(), "[redacted]");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted<T>(pub T);

impl<T> Redacted<T> {
    /// What every backend writes in place of the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Redacted;
    ///
    /// assert_eq!(Redacted::<&str>::TEXT, "[redacted]");
    /// assert_eq!(Redacted("hunter2").to_string(), Redacted::<&str>::TEXT);
    /// ```
    pub const TEXT: &'static str = "[redacted]";
}

impl<T> ToValue for Redacted<T> {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Self::TEXT)
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::TEXT)
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::TEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_three_words() {
        // 128-bit integers are borrowed, so they do not widen every field.
        assert_eq!(size_of::<Value<'_>>(), 3 * size_of::<usize>());
        assert_eq!(align_of::<Value<'_>>(), align_of::<usize>());
    }

    #[test]
    fn integers_compare_by_value_across_widths_and_signs() {
        assert_eq!(Value::U128(&7), Value::I64(7));
        assert_eq!(Value::I128(&-7), Value::I64(-7));
        assert_ne!(Value::I128(&-7), Value::U64(7));
        assert_ne!(Value::U128(&u128::MAX), Value::I128(&-1));
        assert_eq!(Value::I128(&0), Value::U128(&0));
        assert_eq!(Value::U128(&u128::from(u64::MAX)).as_i64(), None);
        assert_eq!(Value::I128(&-3).as_i64(), Some(-3));
    }

    #[test]
    fn rendered_kinds_compare_by_text() {
        assert_eq!(debug(&"x"), display(&"\"x\""));
        assert_ne!(debug(&"x"), Value::Str("\"x\""));
        assert_eq!(Value::Null, Value::Null);
        assert_ne!(Value::Null, Value::Str(""));
    }
}
