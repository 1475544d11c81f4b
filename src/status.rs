//! Span status: the canonical [`StatusCode`] set, [`Status`], and how an error
//! is classified into a code.

use core::error::Error;
use core::fmt;

/// The canonical status codes of gRPC and OpenCensus, `Ok` to `Unauthenticated`.
///
/// # Examples
///
/// ```
/// use ctxtrace::StatusCode;
///
/// assert_eq!(StatusCode::NotFound as u8, 5);
/// assert_eq!(StatusCode::NotFound.as_str(), "NotFound");
/// assert_eq!(StatusCode::from_u8(16), Some(StatusCode::Unauthenticated));
/// assert_eq!(StatusCode::from_u8(17), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum StatusCode {
    /// Not an error.
    Ok = 0,
    /// The operation was cancelled, typically by the caller.
    Cancelled = 1,
    /// An error that no other code describes.
    Unknown = 2,
    /// The caller gave an invalid argument.
    InvalidArgument = 3,
    /// The deadline passed before the operation finished.
    DeadlineExceeded = 4,
    /// Something requested was not found.
    NotFound = 5,
    /// Something the caller tried to create already exists.
    AlreadyExists = 6,
    /// The caller may not do this.
    PermissionDenied = 7,
    /// A resource, such as a quota or disk space, ran out.
    ResourceExhausted = 8,
    /// The system is not in a state that allows the operation.
    FailedPrecondition = 9,
    /// The operation was aborted, typically by a concurrency conflict.
    Aborted = 10,
    /// The operation went past the valid range.
    OutOfRange = 11,
    /// The operation is not implemented or supported.
    Unimplemented = 12,
    /// An invariant of the system is broken.
    Internal = 13,
    /// The service is unavailable for now; retrying may help.
    Unavailable = 14,
    /// Data was lost or corrupted beyond recovery.
    DataLoss = 15,
    /// The caller has no valid credentials.
    Unauthenticated = 16,
}

impl StatusCode {
    /// All 17 codes, in numeric order, so a code's number is its index.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::StatusCode;
    ///
    /// assert_eq!(StatusCode::ALL.len(), 17);
    /// assert!(StatusCode::ALL.iter().enumerate().all(|(i, &code)| code as usize == i));
    /// ```
    pub const ALL: [StatusCode; 17] = [
        StatusCode::Ok,
        StatusCode::Cancelled,
        StatusCode::Unknown,
        StatusCode::InvalidArgument,
        StatusCode::DeadlineExceeded,
        StatusCode::NotFound,
        StatusCode::AlreadyExists,
        StatusCode::PermissionDenied,
        StatusCode::ResourceExhausted,
        StatusCode::FailedPrecondition,
        StatusCode::Aborted,
        StatusCode::OutOfRange,
        StatusCode::Unimplemented,
        StatusCode::Internal,
        StatusCode::Unavailable,
        StatusCode::DataLoss,
        StatusCode::Unauthenticated,
    ];

    /// The code with this number, or `None` past 16. The inverse of
    /// `code as u8`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::StatusCode;
    ///
    /// assert_eq!(StatusCode::from_u8(14), Some(StatusCode::Unavailable));
    /// assert_eq!(StatusCode::from_u8(StatusCode::DataLoss as u8), Some(StatusCode::DataLoss));
    /// assert_eq!(StatusCode::from_u8(255), None);
    /// ```
    pub const fn from_u8(n: u8) -> Option<StatusCode> {
        if (n as usize) < Self::ALL.len() {
            Some(Self::ALL[n as usize])
        } else {
            None
        }
    }

    /// The code's name in upper camel case, as gRPC spells it. The
    /// [`Display`](fmt::Display) output is the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::StatusCode;
    ///
    /// assert_eq!(StatusCode::DeadlineExceeded.as_str(), "DeadlineExceeded");
    /// assert_eq!(StatusCode::Ok.to_string(), StatusCode::Ok.as_str());
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            StatusCode::Ok => "Ok",
            StatusCode::Cancelled => "Cancelled",
            StatusCode::Unknown => "Unknown",
            StatusCode::InvalidArgument => "InvalidArgument",
            StatusCode::DeadlineExceeded => "DeadlineExceeded",
            StatusCode::NotFound => "NotFound",
            StatusCode::AlreadyExists => "AlreadyExists",
            StatusCode::PermissionDenied => "PermissionDenied",
            StatusCode::ResourceExhausted => "ResourceExhausted",
            StatusCode::FailedPrecondition => "FailedPrecondition",
            StatusCode::Aborted => "Aborted",
            StatusCode::OutOfRange => "OutOfRange",
            StatusCode::Unimplemented => "Unimplemented",
            StatusCode::Internal => "Internal",
            StatusCode::Unavailable => "Unavailable",
            StatusCode::DataLoss => "DataLoss",
            StatusCode::Unauthenticated => "Unauthenticated",
        }
    }

    /// Classifies an error by walking its whole [`source`](Error::source) chain.
    ///
    /// The first link that names a code decides:
    ///
    /// - a [`CodedError`] gives its code;
    /// - a [`std::io::Error`] maps by its [`ErrorKind`](std::io::ErrorKind)
    ///   (`NotFound` to `NotFound`, `InvalidInput` and `InvalidData` to
    ///   `InvalidArgument`, `PermissionDenied` to `PermissionDenied`, `TimedOut`
    ///   to `DeadlineExceeded`, `AlreadyExists` to `AlreadyExists`,
    ///   `Interrupted` to `Cancelled`, `Unsupported` to `Unimplemented`,
    ///   `OutOfMemory` to `ResourceExhausted`, the connection kinds to
    ///   `Unavailable`, `UnexpectedEof` to `OutOfRange`); a kind with no obvious
    ///   code passes on to the next link;
    /// - if no link names a code, the result is `Unknown`.
    ///
    /// An `io::Error` made from another error (`io::Error::other(e)`) is
    /// followed by `e` itself, which its `source()` would skip.
    ///
    /// The walk stops after 64 links, so a cyclic chain cannot hang it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::StatusCode;
    /// use std::io;
    ///
    /// let err = io::Error::new(io::ErrorKind::NotFound, "no such pod");
    /// assert_eq!(StatusCode::classify(&err), StatusCode::NotFound);
    /// let err = "x".parse::<u8>().unwrap_err();
    /// assert_eq!(StatusCode::classify(&err), StatusCode::Unknown);
    /// ```
    pub fn classify(err: &(dyn Error + 'static)) -> StatusCode {
        let mut link = Some(err);
        for _ in 0..64 {
            let Some(e) = link else { break };
            if let Some(code) = link_code(e) {
                return code;
            }
            link = next_link(e);
        }
        StatusCode::Unknown
    }
}

/// The link after `e`: its `source()`, except that an `io::Error` wrapping an
/// error of its own (`io::Error::other(e)`) is followed by that error, which
/// the `io::Error`'s `source()` skips (it answers the wrapped error's source).
fn next_link<'a>(e: &'a (dyn Error + 'static)) -> Option<&'a (dyn Error + 'static)> {
    #[cfg(feature = "std")]
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        return Some(inner);
    }
    e.source()
}

/// The code that one link of an error chain names by itself, if any.
fn link_code(e: &(dyn Error + 'static)) -> Option<StatusCode> {
    if let Some(coded) = e.downcast_ref::<CodedError>() {
        return Some(coded.code);
    }
    #[cfg(feature = "std")]
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io_code(io.kind());
    }
    None
}

#[cfg(feature = "std")]
fn io_code(kind: std::io::ErrorKind) -> Option<StatusCode> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::NotFound => StatusCode::NotFound,
        K::InvalidInput | K::InvalidData => StatusCode::InvalidArgument,
        K::PermissionDenied => StatusCode::PermissionDenied,
        K::TimedOut => StatusCode::DeadlineExceeded,
        K::AlreadyExists => StatusCode::AlreadyExists,
        K::Interrupted => StatusCode::Cancelled,
        K::Unsupported => StatusCode::Unimplemented,
        K::OutOfMemory => StatusCode::ResourceExhausted,
        K::UnexpectedEof => StatusCode::OutOfRange,
        K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::AddrInUse
        | K::AddrNotAvailable
        | K::BrokenPipe
        | K::WouldBlock => StatusCode::Unavailable,
        _ => return None,
    })
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The status of a span: not set, ok, or an error with a code and a message.
///
/// A backend that keeps a status hands it back borrowed from its own storage,
/// so `Status` needs no allocator. With the `serde` feature it serializes as
/// `{"status":"error","code":"NotFound","message":"…"}`; deserialize into the
/// owned `OwnedStatus`, which has the same shape.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Status, StatusCode};
///
/// let status = Status::Error { code: StatusCode::NotFound, message: "pod web-1 not found" };
/// assert_eq!(status.code(), Some(StatusCode::NotFound));
/// assert!(status.is_error());
/// assert_eq!(status.to_string(), "NotFound: pod web-1 not found");
/// assert_eq!(Status::Ok.code(), Some(StatusCode::Ok));
/// assert_eq!(Status::Unset.code(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "status", rename_all = "lowercase"))]
pub enum Status<'a> {
    /// No status was set.
    #[default]
    Unset,
    /// The operation succeeded.
    Ok,
    /// The operation failed.
    Error {
        /// The code; never [`StatusCode::Ok`] when built by this crate.
        code: StatusCode,
        /// The error's `Display`.
        message: &'a str,
    },
}

impl Status<'_> {
    /// The status code: `None` when unset, `Ok` when ok.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Status, StatusCode};
    ///
    /// let status = Status::Error { code: StatusCode::Internal, message: "" };
    /// assert_eq!(status.code(), Some(StatusCode::Internal));
    /// assert_eq!(Status::Unset.code(), None);
    /// ```
    pub const fn code(&self) -> Option<StatusCode> {
        match *self {
            Status::Unset => None,
            Status::Ok => Some(StatusCode::Ok),
            Status::Error { code, .. } => Some(code),
        }
    }

    /// Whether this is an error status.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Status, StatusCode};
    ///
    /// assert!(Status::Error { code: StatusCode::Aborted, message: "conflict" }.is_error());
    /// assert!(!Status::Ok.is_error());
    /// assert!(!Status::Unset.is_error());
    /// ```
    pub const fn is_error(&self) -> bool {
        matches!(self, Status::Error { .. })
    }
}

impl fmt::Display for Status<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Status::Unset => f.write_str("Unset"),
            Status::Ok => f.write_str("Ok"),
            Status::Error { code, message: "" } => write!(f, "{code}"),
            Status::Error { code, message } => write!(f, "{code}: {message}"),
        }
    }
}

/// An error that carries its own [`StatusCode`].
///
/// Put it anywhere in an error's [`source`](Error::source) chain and
/// [`StatusCode::classify`] finds it. It is the plain way for a user error
/// to supply its own code when the error is wrapped by others.
///
/// # Examples
///
/// ```
/// use ctxtrace::{CodedError, StatusCode};
///
/// let err = CodedError::new(StatusCode::FailedPrecondition, "node is cordoned");
/// assert_eq!(StatusCode::classify(&err), StatusCode::FailedPrecondition);
/// assert_eq!(err.to_string(), "node is cordoned");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodedError {
    code: StatusCode,
    message: &'static str,
}

impl CodedError {
    /// An error with a code and a static message. A `const fn`, so errors
    /// can be constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{CodedError, StatusCode};
    ///
    /// const CORDONED: CodedError = CodedError::new(StatusCode::FailedPrecondition, "cordoned");
    /// assert_eq!(CORDONED.to_string(), "cordoned");
    /// ```
    pub const fn new(code: StatusCode, message: &'static str) -> Self {
        CodedError { code, message }
    }

    /// The code.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{CodedError, StatusCode};
    ///
    /// let err = CodedError::new(StatusCode::ResourceExhausted, "quota exceeded");
    /// assert_eq!(err.code(), StatusCode::ResourceExhausted);
    /// ```
    pub const fn code(&self) -> StatusCode {
        self.code
    }
}

impl fmt::Display for CodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl Error for CodedError {}

/// An error that [`Span::set_status`](crate::Span::set_status) can classify.
///
/// Implement it for your error type to use `set_status(&result)` with it. The
/// default method walks the error's `source()` chain with
/// [`StatusCode::classify`]; override [`status_code`](Self::status_code) to
/// supply your own code. Errors you cannot implement it for (a boxed
/// `dyn Error`, or one from another crate) go through
/// [`Span::set_error`](crate::Span::set_error), which always classifies by
/// the chain.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ErrorStatus, StatusCode};
/// use std::fmt;
///
/// #[derive(Debug)]
/// enum SyncError {
///     PodGone,
///     Provider(std::io::Error),
/// }
///
/// impl fmt::Display for SyncError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             SyncError::PodGone => f.write_str("pod is gone"),
///             SyncError::Provider(_) => f.write_str("provider failed"),
///         }
///     }
/// }
///
/// impl std::error::Error for SyncError {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
///         match self {
///             SyncError::Provider(e) => Some(e),
///             SyncError::PodGone => None,
///         }
///     }
/// }
///
/// impl ErrorStatus for SyncError {
///     fn status_code(&self) -> StatusCode {
///         match self {
///             SyncError::PodGone => StatusCode::NotFound,
///             other => StatusCode::classify(other),
///         }
///     }
/// }
///
/// assert_eq!(SyncError::PodGone.status_code(), StatusCode::NotFound);
/// let timeout = std::io::Error::from(std::io::ErrorKind::TimedOut);
/// assert_eq!(SyncError::Provider(timeout).status_code(), StatusCode::DeadlineExceeded);
/// ```
pub trait ErrorStatus: Error + Sized + 'static {
    /// The code for this error.
    ///
    /// # For implementors
    ///
    /// The default classifies `self` with [`StatusCode::classify`]. An override
    /// that knows some cases may fall back to the same call for the others.
    fn status_code(&self) -> StatusCode {
        StatusCode::classify(self)
    }
}

impl ErrorStatus for CodedError {}
impl ErrorStatus for fmt::Error {}
impl ErrorStatus for core::num::ParseIntError {}
impl ErrorStatus for core::num::ParseFloatError {}
impl ErrorStatus for core::str::Utf8Error {}
impl ErrorStatus for crate::ParseLevelError {}
#[cfg(feature = "std")]
impl ErrorStatus for std::io::Error {}
#[cfg(feature = "std")]
impl ErrorStatus for std::string::FromUtf8Error {}
