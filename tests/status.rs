//! Span status: from results, from error chains, from user codes, from
//! panics, and the io `ErrorKind` table.
#![cfg(feature = "std")]

mod common;

use std::error::Error;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Cyclic, Link, Opaque, SyncError, Wrapped, chain, recorder};
use ctxtrace::{CodedError, ErrorStatus, Span, Status, StatusCode, WithCode};

/// Runs `f` on a fresh span named "op" and returns the status it recorded,
/// with the message owned.
fn status_of(
    f: impl FnOnce(&mut ctxtrace::MemorySpan<ctxtrace::ManualClock>),
) -> (Option<StatusCode>, String) {
    let rec = recorder();
    let (_ctx, mut span) = rec.ctx.start_span("op");
    f(&mut span);
    span.end();
    let spans = rec.tracer.spans();
    let status = spans.find("op").unwrap().status();
    let message = match status {
        Status::Error { message, .. } => message.to_string(),
        _ => String::new(),
    };
    (status.code(), message)
}

fn status_of_result<T, E: ErrorStatus<Via>, Via>(
    result: Result<T, E>,
) -> (Option<StatusCode>, String) {
    status_of(|span| span.set_status(&result))
}

#[test]
fn a_span_with_no_status_is_unset() {
    assert_eq!(status_of(|_| {}), (None, String::new()));
}

#[test]
fn ok_gives_ok() {
    let rec = recorder();
    let (_ctx, mut span) = rec.ctx.start_span("op");
    span.set_status(&Ok::<_, io::Error>(()));
    span.end();
    assert_eq!(rec.tracer.spans().find("op").unwrap().status(), Status::Ok);
}

#[test]
fn a_later_status_replaces_an_earlier_one() {
    let (code, message) = status_of(|span| {
        span.set_status(&Err::<(), _>(io::Error::new(
            io::ErrorKind::NotFound,
            "gone",
        )));
        span.set_status(&Ok::<(), io::Error>(()));
    });
    assert_eq!((code, message.as_str()), (Some(StatusCode::Ok), ""));
    let (code, message) = status_of(|span| {
        span.set_status(&Ok::<(), io::Error>(()));
        span.set_status_code(StatusCode::Aborted, "conflict");
    });
    assert_eq!(
        (code, message.as_str()),
        (Some(StatusCode::Aborted), "conflict")
    );
}

#[test]
fn io_not_found_wrapped_twice_is_found_through_source() {
    let io = io::Error::new(io::ErrorKind::NotFound, "no such pod");
    let err = Wrapped::new("sync pod web-1", Wrapped::new("provider", io));
    let (code, message) = status_of_result(Err::<(), _>(err));
    assert_eq!(code, Some(StatusCode::NotFound));
    // The message is the outer error's Display.
    assert_eq!(message, "sync pod web-1: provider: no such pod");
}

#[test]
fn a_user_code_in_the_chain_wins() {
    assert_eq!(
        status_of_result(Err::<(), _>(SyncError::NodeCordoned)),
        (
            Some(StatusCode::FailedPrecondition),
            "node is cordoned".to_string()
        )
    );
    // The other variants are classified by their own chain.
    let provider = SyncError::Provider(io::ErrorKind::TimedOut.into());
    assert_eq!(
        status_of_result(Err::<(), _>(provider)).0,
        Some(StatusCode::DeadlineExceeded)
    );
}

#[test]
fn a_coded_error_deep_in_a_chain_gives_its_code() {
    let coded = CodedError::new(StatusCode::ResourceExhausted, "quota exceeded");
    let err = Wrapped::new("a", Wrapped::new("b", Wrapped::new("c", coded)));
    let (code, message) = status_of_result(Err::<(), _>(err));
    assert_eq!(code, Some(StatusCode::ResourceExhausted));
    assert_eq!(message, "a: b: c: quota exceeded");

    // The first link that names a code decides: the coded error before the io one.
    let inner = Wrapped::new("io below", io::Error::from(io::ErrorKind::NotFound));
    let coded_first = Wrapped::new(
        "outer",
        Link {
            depth: 0,
            next: Some(Box::new(inner)),
        },
    );
    assert_eq!(StatusCode::classify(&coded_first), StatusCode::NotFound);
    let coded = chain(3, Some(Box::new(CodedError::new(StatusCode::Aborted, "x"))));
    let err = Wrapped::new("outer", coded);
    assert_eq!(StatusCode::classify(&err), StatusCode::Aborted);
}

#[test]
fn set_error_takes_a_boxed_dyn_error() {
    let err: Box<dyn Error + Send + Sync> = Box::new(Wrapped::new(
        "load config",
        io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
    ));
    let (code, message) = status_of(|span| span.set_error(&*err));
    assert_eq!(code, Some(StatusCode::PermissionDenied));
    assert_eq!(message, "load config: denied");

    let plain: Box<dyn Error> = "not a number".parse::<u32>().unwrap_err().into();
    let (code, message) = status_of(|span| span.set_error(&*plain));
    assert_eq!(code, Some(StatusCode::Unknown));
    assert_eq!(message, "invalid digit found in string");
}

#[test]
fn io_error_kinds_map_to_their_obvious_codes() {
    use io::ErrorKind as K;
    let table = [
        (K::NotFound, StatusCode::NotFound),
        (K::InvalidInput, StatusCode::InvalidArgument),
        (K::InvalidData, StatusCode::InvalidArgument),
        (K::PermissionDenied, StatusCode::PermissionDenied),
        (K::TimedOut, StatusCode::DeadlineExceeded),
        (K::AlreadyExists, StatusCode::AlreadyExists),
        (K::Interrupted, StatusCode::Cancelled),
        (K::Unsupported, StatusCode::Unimplemented),
        (K::OutOfMemory, StatusCode::ResourceExhausted),
        (K::UnexpectedEof, StatusCode::OutOfRange),
        (K::ConnectionRefused, StatusCode::Unavailable),
        (K::ConnectionReset, StatusCode::Unavailable),
        (K::ConnectionAborted, StatusCode::Unavailable),
        (K::NotConnected, StatusCode::Unavailable),
        (K::AddrInUse, StatusCode::Unavailable),
        (K::AddrNotAvailable, StatusCode::Unavailable),
        (K::BrokenPipe, StatusCode::Unavailable),
        (K::WouldBlock, StatusCode::Unavailable),
        (K::Other, StatusCode::Unknown),
        (K::WriteZero, StatusCode::Unknown),
    ];
    for (kind, want) in table {
        let err = io::Error::new(kind, "boom");
        assert_eq!(StatusCode::classify(&err), want, "{kind:?}");
        assert_eq!(
            status_of_result(Err::<(), _>(err)),
            (Some(want), "boom".to_string()),
            "{kind:?}"
        );
    }
}

#[test]
fn an_io_kind_with_no_code_passes_on_to_the_next_link() {
    let inner = io::Error::new(io::ErrorKind::NotFound, "inner");
    let outer = io::Error::other(Wrapped::new("ctx", inner));
    assert_eq!(StatusCode::classify(&outer), StatusCode::NotFound);
}

#[test]
fn an_error_wrapped_in_an_io_error_is_classified() {
    // `io::Error::source()` skips the error it wraps; the walk does not.
    let coded = io::Error::other(CodedError::new(StatusCode::Aborted, "conflict"));
    assert_eq!(StatusCode::classify(&coded), StatusCode::Aborted);
    assert_eq!(
        status_of_result(Err::<(), _>(coded)),
        (Some(StatusCode::Aborted), "conflict".to_string())
    );
    let user = io::Error::other(SyncError::Provider(io::ErrorKind::ConnectionRefused.into()));
    assert_eq!(StatusCode::classify(&user), StatusCode::Unavailable);
    // The io error's own kind still comes first when it has a code.
    let both = io::Error::new(
        io::ErrorKind::NotFound,
        CodedError::new(StatusCode::Aborted, "x"),
    );
    assert_eq!(StatusCode::classify(&both), StatusCode::NotFound);
}

#[test]
fn an_unknown_error_is_unknown() {
    assert_eq!(
        status_of_result(Err::<(), _>(Opaque)),
        (Some(StatusCode::Unknown), "something odd".to_string())
    );
    let parse = "x".parse::<i32>().unwrap_err();
    assert_eq!(
        status_of_result(Err::<(), _>(parse)).0,
        Some(StatusCode::Unknown)
    );
}

#[test]
fn a_code_that_says_ok_for_an_error_is_read_as_unknown() {
    assert_eq!(SyncError::ClaimsOk.status_code(), StatusCode::Ok);
    let (code, message) = status_of_result(Err::<(), _>(SyncError::ClaimsOk));
    assert_eq!(code, Some(StatusCode::Unknown));
    assert_eq!(message, "all is well, says the error");
    // So is a CodedError that carries Ok.
    let coded = CodedError::new(StatusCode::Ok, "ok?");
    assert_eq!(
        status_of(|span| span.set_error(&coded)).0,
        Some(StatusCode::Unknown)
    );
}

#[test]
fn long_and_cyclic_chains_terminate() {
    // 100 links with no code: the walk ends, Unknown.
    let long = chain(100, None);
    assert_eq!(StatusCode::classify(&long), StatusCode::Unknown);
    assert_eq!(
        status_of_result(Err::<(), _>(long)).0,
        Some(StatusCode::Unknown)
    );
    // A code within the first 64 links is found.
    let found = chain(50, Some(Box::new(io::Error::from(io::ErrorKind::NotFound))));
    assert_eq!(StatusCode::classify(&found), StatusCode::NotFound);
    // A code past the 64-link bound is not looked for.
    let past = chain(
        100,
        Some(Box::new(io::Error::from(io::ErrorKind::NotFound))),
    );
    assert_eq!(StatusCode::classify(&past), StatusCode::Unknown);
    // An error that is its own source.
    assert_eq!(
        status_of_result(Err::<(), _>(Cyclic)),
        (Some(StatusCode::Unknown), "cyclic".to_string())
    );
}

#[test]
fn a_panic_inside_a_span_gives_an_error_status() {
    let rec = recorder();
    let ctx = rec.ctx.clone();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let (ctx, mut outer) = ctx.start_span("outer");
        outer.set_status(&Ok::<(), io::Error>(()));
        let (_ctx, mut inner) = ctx.start_span("inner");
        inner.set_status_code(StatusCode::NotFound, "kept");
        let (_ctx, _plain) = ctx.start_span("plain");
        panic!("boom");
    }));
    assert!(caught.is_err());

    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 3);
    let plain = spans.find("plain").unwrap().status();
    assert!(plain.is_error());
    assert_eq!(plain.code(), Some(StatusCode::Internal));
    // An ok status set before the panic does not survive it.
    assert_eq!(
        spans.find("outer").unwrap().status().code(),
        Some(StatusCode::Internal)
    );
    // An error status set before the panic is kept.
    assert_eq!(
        spans.find("inner").unwrap().status(),
        Status::Error {
            code: StatusCode::NotFound,
            message: "kept"
        }
    );
    assert_eq!(rec.tracer.open(), 0);

    // in_span: the closure panics, the span still ends with an error.
    let caught = catch_unwind(AssertUnwindSafe(|| {
        let _: Result<(), io::Error> = rec.ctx.in_span("in_span_panics", |_| panic!("inner boom"));
    }));
    assert!(caught.is_err());
    let spans = rec.tracer.spans();
    assert_eq!(
        spans.find("in_span_panics").unwrap().status().code(),
        Some(StatusCode::Internal)
    );
}

// Errors of every kind, with no impl written for any of them.

/// A plain user error whose source is an io `NotFound`: it implements
/// `std::error::Error` and nothing else.
#[derive(Debug)]
struct PodMissing(io::Error);

impl std::fmt::Display for PodMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("pod web-1 is missing")
    }
}

impl Error for PodMissing {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

fn pod_missing() -> PodMissing {
    PodMissing(io::Error::new(io::ErrorKind::NotFound, "no such pod"))
}

#[test]
fn a_plain_user_error_is_classified_by_its_chain() {
    assert_eq!(
        status_of_result(Err::<(), _>(pod_missing())),
        (
            Some(StatusCode::NotFound),
            "pod web-1 is missing".to_string()
        )
    );
}

#[test]
fn anyhow_errors_are_classified_by_their_chain() {
    let err = anyhow::Error::new(pod_missing());
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (
            Some(StatusCode::NotFound),
            "pod web-1 is missing".to_string()
        )
    );
    // Context on top: the message is the outermost context, the code still
    // comes from the io error two links down.
    let err = anyhow::Error::new(pod_missing()).context("sync pod web-1");
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (Some(StatusCode::NotFound), "sync pod web-1".to_string())
    );
    // A message-only report has no code.
    assert_eq!(
        status_of_result(Err::<(), _>(anyhow::anyhow!("no nodes"))),
        (Some(StatusCode::Unknown), "no nodes".to_string())
    );
}

#[test]
fn eyre_reports_are_classified_by_their_chain() {
    let err = eyre::Report::new(pod_missing()).wrap_err("reconcile");
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (Some(StatusCode::NotFound), "reconcile".to_string())
    );
}

#[test]
fn boxed_errors_of_each_kind_are_classified_by_their_chain() {
    let expected = (
        Some(StatusCode::NotFound),
        "pod web-1 is missing".to_string(),
    );
    let err: Box<dyn Error + Send + Sync> = Box::new(pod_missing());
    assert_eq!(status_of_result(Err::<(), _>(err)), expected);
    let err: Box<dyn Error + Send> = Box::new(pod_missing());
    assert_eq!(status_of_result(Err::<(), _>(err)), expected);
    let err: Box<dyn Error> = Box::new(pod_missing());
    assert_eq!(status_of_result(Err::<(), _>(err)), expected);
    // A box of a concrete error is itself an `Error`.
    assert_eq!(
        status_of_result(Err::<(), _>(Box::new(pod_missing()))),
        expected
    );
    // `?` into a boxed error, as `main` functions do.
    fn load() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(pod_missing())?;
        Ok(())
    }
    assert_eq!(status_of_result(load()), expected);
}

#[test]
fn serde_json_errors_are_unknown_or_invalid_argument_through_their_io_kind() {
    let err = serde_json::from_str::<u32>("{").unwrap_err();
    let message = err.to_string();
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (Some(StatusCode::Unknown), message.clone())
    );
    // serde_json maps its errors to io kinds: a syntax error is InvalidData.
    let err: io::Error = serde_json::from_str::<u32>("{").unwrap_err().into();
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (Some(StatusCode::InvalidArgument), message)
    );
}

#[test]
fn set_error_takes_every_kind_too() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(pod_missing());
    assert_eq!(
        status_of(|span| span.set_error(&boxed)).0,
        Some(StatusCode::NotFound)
    );
    assert_eq!(
        status_of(|span| span.set_error(&*boxed)).0,
        Some(StatusCode::NotFound)
    );
    let dyn_ref: &(dyn Error + 'static) = &*boxed;
    assert_eq!(
        status_of(|span| span.set_error(dyn_ref)).0,
        Some(StatusCode::NotFound)
    );
    let report = anyhow::Error::new(pod_missing());
    assert_eq!(
        status_of(|span| span.set_error(&report)).0,
        Some(StatusCode::NotFound)
    );
    assert_eq!(
        status_of(|span| span.set_error(&pod_missing())).0,
        Some(StatusCode::NotFound)
    );
}

#[test]
fn in_span_takes_every_kind() {
    let rec = recorder();
    let result: anyhow::Result<()> = rec.ctx.in_span("anyhow", |_| Err(pod_missing().into()));
    assert!(result.is_err());
    let result: Result<(), Box<dyn Error + Send + Sync>> =
        rec.ctx.in_span("boxed", |_| Err(pod_missing().into()));
    assert!(result.is_err());
    let result: Result<u8, serde_json::Error> =
        rec.ctx.in_span("serde_json", |_| serde_json::from_str("7"));
    assert_eq!(result.unwrap(), 7);
    let spans = rec.tracer.spans();
    assert_eq!(
        spans.find("anyhow").unwrap().status().code(),
        Some(StatusCode::NotFound)
    );
    assert_eq!(
        spans.find("boxed").unwrap().status().code(),
        Some(StatusCode::NotFound)
    );
    assert_eq!(spans.find("serde_json").unwrap().status(), Status::Ok);
}

#[test]
fn a_user_given_code_wins_over_the_chain() {
    // Around someone else's error: the io error says NotFound.
    let err = WithCode::new(StatusCode::Unavailable, pod_missing());
    assert_eq!(
        status_of_result(Err::<(), _>(err)),
        (
            Some(StatusCode::Unavailable),
            "pod web-1 is missing".to_string()
        )
    );
    // The wrapper keeps working under a report, and is transparent to
    // whoever prints the chain.
    let err = anyhow::Error::new(WithCode::new(StatusCode::Unavailable, pod_missing()))
        .context("reconcile");
    let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
    assert_eq!(chain, ["reconcile", "pod web-1 is missing", "no such pod"]);
    assert_eq!(
        status_of_result(Err::<(), _>(err)).0,
        Some(StatusCode::Unavailable)
    );
    // A user's own type, with a `CodedError` as one variant's source.
    assert_eq!(
        status_of_result(Err::<(), _>(anyhow::Error::new(SyncError::NodeCordoned))).0,
        Some(StatusCode::FailedPrecondition)
    );
    // The outermost code decides.
    let inner = WithCode::new(StatusCode::Aborted, pod_missing());
    let outer = WithCode::new(StatusCode::DataLoss, inner);
    assert_eq!(StatusCode::classify(&outer), StatusCode::DataLoss);
    assert_eq!(outer.into_inner().to_string(), "pod web-1 is missing");
}

#[test]
fn error_status_gives_the_code_and_the_error_of_each_kind() {
    assert_eq!(pod_missing().status_code(), StatusCode::NotFound);
    let report = anyhow::Error::new(pod_missing());
    assert_eq!(report.status_code(), StatusCode::NotFound);
    assert_eq!(report.as_error().to_string(), "pod web-1 is missing");
    let boxed: Box<dyn Error> = Box::new(Opaque);
    assert_eq!(boxed.status_code(), StatusCode::Unknown);
}
