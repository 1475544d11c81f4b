//! How an error becomes a [`StatusCode`]: the chain walk, the codes a user
//! gives ([`CodedError`], [`WithCode`]), and [`ErrorStatus`], which lets
//! `set_status` take every kind of error.

use core::error::Error;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use crate::StatusCode;

impl StatusCode {
    /// Classifies an error by walking its whole [`source`](Error::source) chain.
    ///
    /// The first link that names a code decides:
    ///
    /// - a [`CodedError`] or a [`WithCode`] gives its code, so a code that a
    ///   user gave wins over whatever the errors below it would say;
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
    if let Some(coded) = e.downcast_ref::<WithCode>() {
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

/// An error that carries its own [`StatusCode`] and a static message: a leaf
/// of an error chain.
///
/// Put it anywhere in an error's [`source`](Error::source) chain and
/// [`StatusCode::classify`] finds it. A user error type gives a code for one
/// of its variants by answering a `CodedError` constant as that variant's
/// source, and a function returns one directly where the message is fixed.
/// To give a code to an error that has a message and a chain of its own, wrap
/// it in a [`WithCode`] instead.
///
/// # Examples
///
/// ```
/// use ctxtrace::{CodedError, StatusCode};
/// use std::{error::Error, fmt};
///
/// let err = CodedError::new(StatusCode::FailedPrecondition, "node is cordoned");
/// assert_eq!(StatusCode::classify(&err), StatusCode::FailedPrecondition);
/// assert_eq!(err.to_string(), "node is cordoned");
///
/// // A user error whose `PodGone` variant is `NotFound`, whatever wraps it.
/// static POD_GONE: CodedError = CodedError::new(StatusCode::NotFound, "pod is gone");
///
/// #[derive(Debug)]
/// enum SyncError {
///     PodGone,
///     Busy,
/// }
///
/// impl fmt::Display for SyncError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.write_str(match self {
///             SyncError::PodGone => "pod web-1 is gone",
///             SyncError::Busy => "provider busy",
///         })
///     }
/// }
///
/// impl Error for SyncError {
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         match self {
///             SyncError::PodGone => Some(&POD_GONE),
///             SyncError::Busy => None,
///         }
///     }
/// }
///
/// assert_eq!(StatusCode::classify(&SyncError::PodGone), StatusCode::NotFound);
/// assert_eq!(StatusCode::classify(&SyncError::Busy), StatusCode::Unknown);
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

/// Any error with a [`StatusCode`] put on it: the code wins over the chain
/// below it.
///
/// The wrapper is transparent: its message is the wrapped error's own, and
/// its [`source`](Error::source) is the wrapped error's source, so a report
/// that prints the chain shows the same lines as without it. Get the wrapped
/// error back with [`into_inner`](WithCode::into_inner) or
/// [`get_ref`](WithCode::get_ref). Use it for an error from another crate whose code
/// [`StatusCode::classify`] cannot know, or to override what the chain says.
/// The wrapped error is boxed: the wrapper allocates once, on the error path.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, Status, StatusCode, WithCode};
/// use std::io;
///
/// let tracer = MemoryTracer::new();
/// let (_ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("provider.create_pod");
/// // The chain says NotFound; the caller knows better.
/// let err = io::Error::new(io::ErrorKind::NotFound, "node gone");
/// let result: Result<(), WithCode> = Err(WithCode::new(StatusCode::Unavailable, err));
/// span.set_status(&result);
/// drop(span);
///
/// let spans = tracer.spans();
/// let status = spans.find("provider.create_pod").unwrap().status();
/// assert_eq!(status, Status::Error { code: StatusCode::Unavailable, message: "node gone" });
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub struct WithCode {
    code: StatusCode,
    error: Box<dyn Error + Send + Sync + 'static>,
}

#[cfg(feature = "std")]
impl WithCode {
    /// Wraps `error` with `code`. Takes anything that converts into a boxed
    /// error: an error value, a `Box<dyn Error + Send + Sync>`, a `String` or
    /// a `&str`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{StatusCode, WithCode};
    ///
    /// let err = WithCode::new(StatusCode::Aborted, "conflict on pod web-1");
    /// assert_eq!(err.to_string(), "conflict on pod web-1");
    /// assert_eq!(StatusCode::classify(&err), StatusCode::Aborted);
    /// ```
    pub fn new(code: StatusCode, error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        WithCode {
            code,
            error: error.into(),
        }
    }

    /// The code.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{StatusCode, WithCode};
    ///
    /// assert_eq!(WithCode::new(StatusCode::Internal, "bug").code(), StatusCode::Internal);
    /// ```
    pub fn code(&self) -> StatusCode {
        self.code
    }

    /// The wrapped error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{StatusCode, WithCode};
    /// use std::io;
    ///
    /// let err = WithCode::new(StatusCode::Internal, io::Error::from(io::ErrorKind::NotFound));
    /// assert!(err.get_ref().is::<io::Error>());
    /// ```
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.error
    }

    /// The wrapped error, given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{StatusCode, WithCode};
    /// use std::io;
    ///
    /// let err = WithCode::new(StatusCode::Internal, io::Error::from(io::ErrorKind::NotFound));
    /// let io = err.into_inner().downcast::<io::Error>().unwrap();
    /// assert_eq!(io.kind(), io::ErrorKind::NotFound);
    /// ```
    pub fn into_inner(self) -> Box<dyn Error + Send + Sync + 'static> {
        self.error
    }
}

#[cfg(feature = "std")]
impl fmt::Display for WithCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

#[cfg(feature = "std")]
impl Error for WithCode {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

/// Every kind of error that [`Span::set_status`](crate::Span::set_status),
/// [`Span::set_error`](crate::Span::set_error) and
/// [`Ctx::in_span`](crate::Ctx::in_span) take, with nothing to implement.
///
/// It is implemented, and only implemented, for:
///
/// - every `E: std::error::Error + 'static`: std's errors, your own, and those
///   of your dependencies (`serde_json::Error`, `hyper::Error`, ...);
/// - `dyn Error`, `dyn Error + Send` and `dyn Error + Send + Sync`;
/// - every type that dereferences to one of those three: `Box<dyn Error>`,
///   `Box<dyn Error + Send + Sync>`, and error reports that do not implement
///   `Error` themselves, such as `anyhow::Error` and `eyre::Report`.
///
/// The code comes from [`StatusCode::classify`], which walks the whole
/// `source()` chain. To give a code of your own, put a [`CodedError`] or a
/// [`WithCode`] in the chain; there is no trait to implement.
///
/// The `Via` parameter only tells the three kinds apart, so that their impls
/// do not overlap; the compiler infers it and you never name it, except in a
/// generic function that forwards an error it does not know:
/// `fn run<E: ErrorStatus<Via>, Via>(..)`. Plain `E: ErrorStatus` means an
/// `E` that implements `Error`.
///
/// One type is ambiguous: `Arc<dyn Error + ..>` both implements `Error` and
/// dereferences to `dyn Error`. Pass `&**arc` to `set_error` for it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ErrorStatus, StatusCode};
/// use std::{error::Error, io};
///
/// let io = io::Error::from(io::ErrorKind::PermissionDenied);
/// assert_eq!(io.status_code(), StatusCode::PermissionDenied);
/// let boxed: Box<dyn Error + Send + Sync> = Box::new(io);
/// assert_eq!(boxed.status_code(), StatusCode::PermissionDenied);
/// assert_eq!(boxed.as_error().to_string(), "permission denied");
/// ```
pub trait ErrorStatus<Via = ViaError>: sealed::Sealed<Via> {
    /// The error, as a trait object whose chain can be walked.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::ErrorStatus;
    ///
    /// let err = "x".parse::<u8>().unwrap_err();
    /// assert_eq!(err.as_error().to_string(), "invalid digit found in string");
    /// ```
    fn as_error(&self) -> &(dyn Error + 'static);

    /// The code for this error: [`StatusCode::classify`] of
    /// [`as_error`](ErrorStatus::as_error).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ErrorStatus, StatusCode};
    ///
    /// let err = std::io::Error::from(std::io::ErrorKind::TimedOut);
    /// assert_eq!(err.status_code(), StatusCode::DeadlineExceeded);
    /// ```
    #[inline]
    fn status_code(&self) -> StatusCode {
        StatusCode::classify(self.as_error())
    }
}

/// The [`ErrorStatus`] marker for types that implement [`Error`]. It has no
/// values: the compiler infers it, and no code names it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ErrorStatus, ViaError};
///
/// fn code_of<E: ErrorStatus<ViaError>>(e: &E) -> ctxtrace::StatusCode {
///     e.status_code()
/// }
/// assert_eq!(code_of(&std::fmt::Error), ctxtrace::StatusCode::Unknown);
/// ```
#[derive(Debug)]
pub enum ViaError {}

/// The [`ErrorStatus`] marker for types that dereference to `D`, one of the
/// `dyn Error` types: boxed errors and error reports. It has no values: the
/// compiler infers it, and no code names it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ErrorStatus, StatusCode};
/// use std::error::Error;
///
/// fn code_of<E: ErrorStatus<Via>, Via>(e: &E) -> StatusCode {
///     e.status_code()
/// }
/// let err: Box<dyn Error> = "no route".into();
/// assert_eq!(code_of(&err), StatusCode::Unknown);
/// ```
pub struct ViaDeref<D: ?Sized>(PhantomData<fn() -> *const D>, ViaError);

impl<D: ?Sized> fmt::Debug for ViaDeref<D> {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {}
    }
}

mod sealed {
    /// Keeps [`ErrorStatus`](super::ErrorStatus) to the impls of this module.
    pub trait Sealed<Via> {}

    /// The three `dyn Error` types.
    pub trait DynError {
        fn dyn_error(&self) -> &(dyn core::error::Error + 'static);
    }
}

impl<E: Error + 'static> sealed::Sealed<ViaError> for E {}

impl<E: Error + 'static> ErrorStatus<ViaError> for E {
    #[inline]
    fn as_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

macro_rules! dyn_errors {
    ($($ty:ty),*) => {$(
        impl sealed::Sealed<ViaError> for $ty {}

        impl ErrorStatus<ViaError> for $ty {
            #[inline]
            fn as_error(&self) -> &(dyn Error + 'static) {
                self
            }
        }

        impl sealed::DynError for $ty {
            #[inline]
            fn dyn_error(&self) -> &(dyn Error + 'static) {
                self
            }
        }
    )*};
}

dyn_errors!(
    dyn Error + 'static,
    dyn Error + Send + 'static,
    dyn Error + Send + Sync + 'static
);

impl<E, D> sealed::Sealed<ViaDeref<D>> for E
where
    E: Deref<Target = D>,
    D: sealed::DynError + ?Sized + 'static,
{
}

impl<E, D> ErrorStatus<ViaDeref<D>> for E
where
    E: Deref<Target = D>,
    D: sealed::DynError + ?Sized + 'static,
{
    #[inline]
    fn as_error(&self) -> &(dyn Error + 'static) {
        (**self).dyn_error()
    }
}
