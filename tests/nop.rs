//! The nop backend: zero-sized, `Copy`, `Default`, usable in constants.
//! Needs no `std` feature.

use core::mem::size_of;

use ctxtrace::{
    Ctx, Level, LevelFilter, Logger, NopLogger, NopSpan, NopTracer, Span, StatusCode, Tracer, Value,
};

const TRACER: NopTracer = NopTracer::new();
const SPAN: NopSpan = NopSpan::new();
const LOGGER: NopLogger = NopLogger::new();
const CTX: Ctx<NopTracer, NopLogger> = Ctx::NOP;

fn assert_copy_default<T: Copy + Default + core::fmt::Debug>() {}

fn default_of<T: Default>() -> T {
    T::default()
}

#[test]
fn nop_contexts_are_zero_sized() {
    assert_eq!(size_of::<Ctx<NopTracer, NopLogger>>(), 0);
    assert_eq!(size_of::<Ctx<(NopTracer, NopTracer), NopLogger>>(), 0);
    assert_eq!(size_of::<Ctx<NopTracer, (NopLogger, NopLogger)>>(), 0);
    assert_eq!(
        size_of::<Ctx<(NopTracer, NopTracer), (NopLogger, NopLogger)>>(),
        0
    );
    assert_eq!(
        size_of::<NopTracer>() + size_of::<NopSpan>() + size_of::<NopLogger>(),
        0
    );
    assert_eq!(size_of::<<(NopTracer, NopTracer) as Tracer>::Span>(), 0);
    // What start_span returns is zero-sized too.
    let (ctx, span) = CTX.start_span("sync_pod");
    assert_eq!(size_of_val(&ctx) + size_of_val(&span), 0);
}

#[test]
fn nop_types_are_copy_default_and_const() {
    assert_copy_default::<NopTracer>();
    assert_copy_default::<NopSpan>();
    assert_copy_default::<NopLogger>();
    assert_copy_default::<Ctx<NopTracer, NopLogger>>();
    assert_eq!((TRACER, SPAN, LOGGER), (NopTracer, NopSpan, NopLogger));
    assert_eq!(
        (
            default_of::<NopTracer>(),
            default_of::<NopSpan>(),
            default_of::<NopLogger>()
        ),
        (TRACER, SPAN, LOGGER)
    );
    // A copy leaves the original usable.
    let ctx = CTX;
    let copy = ctx;
    assert_eq!(ctx.span_ids(), copy.span_ids());
}

#[test]
fn the_nop_ctx_constant_does_nothing() {
    const { assert!(!NopTracer::ENABLED) };
    assert_eq!(NopLogger::MAX_LEVEL, LevelFilter::Off);
    assert_eq!(NopTracer::MAX_EVENT_LEVEL, LevelFilter::Off);
    assert_eq!(Ctx::<NopTracer, NopLogger>::MAX_LEVEL, LevelFilter::Off);
    for level in Level::ALL {
        assert!(!CTX.enabled(level));
        assert!(!LOGGER.enabled(level));
    }
    assert_eq!(CTX.span_ids(), None);

    // Every call is accepted and changes nothing.
    let (ctx, mut span) = CTX.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    let ctx = ctx.with_field("attempt", 2);
    ctxtrace::error!(ctx, "nothing {}", 1; key = "value");
    span.set_status_code(StatusCode::Internal, "ignored");
    span.set_status(&Err::<(), _>(core::fmt::Error));
    span.set_attribute("k", Value::Bool(true));
    span.end();
    assert_eq!(ctx.span_ids(), None);
    let result: Result<u8, core::fmt::Error> = ctx.in_span("child", |_| Ok(7));
    assert_eq!(result, Ok(7));
    assert_eq!(default_of::<Ctx<NopTracer, NopLogger>>().span_ids(), None);
}
