//! Span status: the canonical [`StatusCode`] set, [`Status`], and how an error
//! is classified into a code.

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
