//! Severity levels and the filters that rule them in or out.

use core::fmt;
use core::str::FromStr;

/// The severity of a log entry.
///
/// Levels are ordered from the most severe to the most verbose, as in the `log`
/// crate: `Error < Warn < Info < Debug < Trace`. There is no `Fatal` level: a
/// library never ends the process, so an entry that would be fatal is an
/// [`Level::Error`] and the caller decides what to do next.
///
/// # Examples
///
/// ```
/// use ctxtrace::Level;
///
/// assert!(Level::Error < Level::Debug);
/// assert_eq!(Level::Warn.as_str(), "warn");
/// assert_eq!("INFO".parse::<Level>(), Ok(Level::Info));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[repr(u8)]
pub enum Level {
    /// Something failed.
    Error = 1,
    /// Something looks wrong but work goes on.
    Warn = 2,
    /// Normal progress worth recording.
    Info = 3,
    /// Detail for whoever debugs the code.
    Debug = 4,
    /// The finest detail.
    Trace = 5,
}

impl Level {
    /// Every level, from the most severe to the most verbose.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::Level::ALL.len(), 5);
    /// ```
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ];

    /// The level's name in lower case, as the writer loggers print it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::Level::Trace.as_str(), "trace");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error returned when a string names no level.
///
/// # Examples
///
/// ```
/// use ctxtrace::Level;
///
/// let err = "fatal".parse::<Level>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown level \"fatal\" (expected one of off, error, warn, info, debug, trace)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLevelError {
    // The rejected input, cut to a bounded length so that the error never holds
    // an arbitrary amount of it.
    input: [u8; 32],
    len: u8,
    truncated: bool,
}

impl ParseLevelError {
    fn new(input: &str) -> Self {
        let mut buf = [0u8; 32];
        let mut len = 0;
        for (i, c) in input.char_indices() {
            if i + c.len_utf8() > buf.len() {
                break;
            }
            c.encode_utf8(&mut buf[i..]);
            len = i + c.len_utf8();
        }
        ParseLevelError {
            input: buf,
            len: len as u8,
            truncated: len < input.len(),
        }
    }
}

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = core::str::from_utf8(&self.input[..usize::from(self.len)]).unwrap_or("");
        let more = if self.truncated { "..." } else { "" };
        write!(
            f,
            "unknown level \"{}{more}\" (expected one of off, error, warn, info, debug, trace)",
            shown.escape_debug()
        )
    }
}

impl core::error::Error for ParseLevelError {}

impl FromStr for Level {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match LevelFilter::from_str(s) {
            Ok(LevelFilter::Off) | Err(_) => Err(ParseLevelError::new(s)),
            Ok(filter) => Ok(filter.to_level().unwrap_or(Level::Error)),
        }
    }
}

/// The most verbose level that a logger lets through, or `Off`.
///
/// A filter allows a level when the level is at least as severe as the filter:
/// `LevelFilter::Info` allows `Error`, `Warn` and `Info`, and rules out `Debug`
/// and `Trace`. Every [`Logger`](crate::Logger) type states its filter as the
/// associated const [`Logger::MAX_LEVEL`](crate::Logger::MAX_LEVEL), so entries
/// it rules out are removed at compile time.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Level, LevelFilter};
///
/// assert!(LevelFilter::Info.allows(Level::Warn));
/// assert!(!LevelFilter::Info.allows(Level::Debug));
/// assert!(!LevelFilter::Off.allows(Level::Error));
/// assert_eq!(LevelFilter::Warn.max(LevelFilter::Debug), LevelFilter::Debug);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[repr(u8)]
pub enum LevelFilter {
    /// Nothing is allowed.
    Off = 0,
    /// Only [`Level::Error`].
    Error = 1,
    /// [`Level::Warn`] and more severe.
    Warn = 2,
    /// [`Level::Info`] and more severe.
    Info = 3,
    /// [`Level::Debug`] and more severe.
    Debug = 4,
    /// Everything.
    Trace = 5,
}

impl LevelFilter {
    /// Whether this filter lets `level` through. Usable in constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, LevelFilter};
    ///
    /// const SHOWS_DEBUG: bool = LevelFilter::Debug.allows(Level::Debug);
    /// assert!(SHOWS_DEBUG);
    /// ```
    #[inline(always)]
    pub const fn allows(self, level: Level) -> bool {
        level as u8 <= self as u8
    }

    /// The more verbose of two filters. Usable in constants: a fan-out pair of
    /// loggers uses it for its compile-time level.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::LevelFilter;
    ///
    /// assert_eq!(LevelFilter::Off.max(LevelFilter::Info), LevelFilter::Info);
    /// ```
    #[inline(always)]
    pub const fn max(self, other: LevelFilter) -> LevelFilter {
        if self as u8 >= other as u8 {
            self
        } else {
            other
        }
    }

    /// The less verbose of two filters.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::LevelFilter;
    ///
    /// assert_eq!(LevelFilter::Off.min(LevelFilter::Info), LevelFilter::Off);
    /// ```
    #[inline(always)]
    pub const fn min(self, other: LevelFilter) -> LevelFilter {
        if self as u8 <= other as u8 {
            self
        } else {
            other
        }
    }

    /// The most verbose level this filter allows, or `None` for `Off`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, LevelFilter};
    ///
    /// assert_eq!(LevelFilter::Warn.to_level(), Some(Level::Warn));
    /// assert_eq!(LevelFilter::Off.to_level(), None);
    /// ```
    pub const fn to_level(self) -> Option<Level> {
        match self {
            LevelFilter::Off => None,
            LevelFilter::Error => Some(Level::Error),
            LevelFilter::Warn => Some(Level::Warn),
            LevelFilter::Info => Some(Level::Info),
            LevelFilter::Debug => Some(Level::Debug),
            LevelFilter::Trace => Some(Level::Trace),
        }
    }

    /// The filter's name in lower case.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::LevelFilter::Off.as_str(), "off");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self.to_level() {
            None => "off",
            Some(level) => level.as_str(),
        }
    }

    pub(crate) const fn from_u8(n: u8) -> LevelFilter {
        match n {
            0 => LevelFilter::Off,
            1 => LevelFilter::Error,
            2 => LevelFilter::Warn,
            3 => LevelFilter::Info,
            4 => LevelFilter::Debug,
            _ => LevelFilter::Trace,
        }
    }
}

impl From<Level> for LevelFilter {
    fn from(level: Level) -> Self {
        LevelFilter::from_u8(level as u8)
    }
}

impl fmt::Display for LevelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for LevelFilter {
    type Err = ParseLevelError;

    /// Parses a level name, ignoring ASCII case. `warning` is accepted for `warn`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const NAMES: [(&str, LevelFilter); 7] = [
            ("off", LevelFilter::Off),
            ("error", LevelFilter::Error),
            ("warn", LevelFilter::Warn),
            ("warning", LevelFilter::Warn),
            ("info", LevelFilter::Info),
            ("debug", LevelFilter::Debug),
            ("trace", LevelFilter::Trace),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|&(_, filter)| filter)
            .ok_or_else(|| ParseLevelError::new(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_keeps_a_bounded_prefix_on_a_char_boundary() {
        let long = "é".repeat(40);
        let err = long.parse::<Level>().unwrap_err();
        assert_eq!(usize::from(err.len), 32);
        assert!(err.truncated);
    }
}
