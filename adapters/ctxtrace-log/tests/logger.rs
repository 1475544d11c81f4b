//! `LogLogger`: the records a `log` logger receives.

mod common;

use common::{Counted, Kv, install, records, records_with_message};
use ctxtrace::{Ctx, Field, Logger as _, MemoryTracer, NopTracer, Span};
use ctxtrace_log::LogLogger;

#[test]
fn each_level_maps_to_the_log_level() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("levels"));
    ctxtrace::error!(ctx, "e");
    ctxtrace::warn!(ctx, "w");
    ctxtrace::info!(ctx, "i");
    ctxtrace::debug!(ctx, "d");
    ctxtrace::trace!(ctx, "t");
    let seen: Vec<(log::Level, String)> = records("levels")
        .into_iter()
        .map(|r| (r.level, r.message))
        .collect();
    assert_eq!(
        seen,
        [
            (log::Level::Error, "e".to_owned()),
            (log::Level::Warn, "w".to_owned()),
            (log::Level::Info, "i".to_owned()),
            (log::Level::Debug, "d".to_owned()),
            (log::Level::Trace, "t".to_owned()),
        ]
    );
}

mod podlib {
    /// Logs from a module of its own, so the target is `logger::podlib`.
    pub fn sync(ctx: &ctxtrace::Ctx<impl ctxtrace::Tracer, impl ctxtrace::Logger>) {
        ctxtrace::info!(ctx, "target: from a module");
    }
}

#[test]
fn each_record_has_its_entrys_target_file_and_line() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new());
    let here = line!() + 1;
    ctxtrace::info!(ctx, "target: here");
    podlib::sync(&ctx);
    let named = line!() + 1;
    ctxtrace::warn!(ctx, target: "podlib::pull", "target: named");
    let site = |message: &str| {
        let records = records_with_message(message);
        assert_eq!(records.len(), 1, "{message}");
        let r = &records[0];
        (r.target.clone(), r.file.clone(), r.line)
    };
    let file = Some(file!().to_owned());
    assert_eq!(
        site("target: here"),
        ("logger".to_owned(), file.clone(), Some(here))
    );
    let (target, in_file, _) = site("target: from a module");
    assert_eq!((target.as_str(), in_file), ("logger::podlib", file.clone()));
    assert_eq!(
        site("target: named"),
        ("podlib::pull".to_owned(), file, Some(named))
    );
}

#[test]
fn an_entry_without_a_call_site_has_the_default_target_and_no_file_or_line() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new());
    ctx.log(ctxtrace::Level::Info, format_args!("target: bare"), &[]);
    let records = records_with_message("target: bare");
    assert_eq!(records.len(), 1);
    assert_eq!(
        (
            records[0].target.as_str(),
            &records[0].file,
            records[0].line
        ),
        (ctxtrace_log::DEFAULT_TARGET, &None, None)
    );
}

#[test]
fn with_target_replaces_every_entrys_target_and_keeps_its_file_and_line() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("override"));
    let here = line!() + 1;
    ctxtrace::info!(ctx, "own module");
    ctxtrace::info!(ctx, target: "podlib", "named");
    ctx.log(ctxtrace::Level::Info, format_args!("bare"), &[]);
    let records = records("override");
    let got: Vec<(&str, Option<&str>, Option<u32>)> = records
        .iter()
        .map(|r| (r.message.as_str(), r.file.as_deref(), r.line))
        .collect();
    assert_eq!(
        got,
        [
            ("own module", Some(file!()), Some(here)),
            ("named", Some(file!()), Some(here + 1)),
            ("bare", None, None),
        ]
    );
}

#[test]
fn the_message_is_formatted_with_its_arguments() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("message"));
    ctxtrace::info!(ctx, "syncing {} containers of {:?}", 2, "web-1");
    assert_eq!(
        records("message")[0].message,
        r#"syncing 2 containers of "web-1""#
    );
}

#[test]
fn ctx_span_and_entry_fields_are_typed_key_values() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("fields")).with_field("worker", 3);
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[Field::new("pod", "web-1"), Field::new("ready", &false)],
    );
    let err = std::io::Error::other("image not found");
    let addr = std::net::Ipv4Addr::new(10, 0, 0, 7);
    ctxtrace::warn!(ctx, "pull failed";
        attempt = 2u32, restarts = -1i64, cpu = 0.25f64, reason = ctxtrace::error(&err), host = ctxtrace::display(&addr));

    let record = &records("fields")[0];
    assert_eq!(record.level, log::Level::Warn);
    assert_eq!(
        record.keys(),
        [
            "method", "worker", "pod", "ready", "attempt", "restarts", "cpu", "reason", "host"
        ]
    );
    assert_eq!(record.kv("method"), Some(&Kv::Str("sync_pod".into())));
    assert_eq!(record.kv("worker"), Some(&Kv::U64(3)));
    assert_eq!(record.kv("pod"), Some(&Kv::Str("web-1".into())));
    assert_eq!(record.kv("ready"), Some(&Kv::Bool(false)));
    assert_eq!(record.kv("attempt"), Some(&Kv::U64(2)));
    assert_eq!(record.kv("restarts"), Some(&Kv::I64(-1)));
    assert_eq!(record.kv("cpu"), Some(&Kv::F64(0.25)));
    assert_eq!(
        record.kv("reason"),
        Some(&Kv::Text("image not found".into()))
    );
    assert_eq!(record.kv("host"), Some(&Kv::Text("10.0.0.7".into())));
    assert_eq!(record.kv("trace_id"), None, "the nop tracer has no ids");
}

#[test]
fn a_nested_span_replaces_the_method() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("nested"));
    let (ctx, _outer) = ctx.start_span("handle_queue_item");
    let (ctx, _inner) = ctx.start_span("sync_pod");
    ctxtrace::info!(ctx, "inner");
    let record = &records("nested")[0];
    assert_eq!(record.keys(), ["method"]);
    assert_eq!(record.kv("method"), Some(&Kv::Str("sync_pod".into())));
}

#[test]
fn span_ids_of_the_tracer_are_key_values() {
    install();
    let tracer = MemoryTracer::new();
    let ctx = Ctx::new(tracer.clone(), LogLogger::new().with_target("ids"));
    let (ctx, _span) = ctx.start_span("sync_pod");
    ctxtrace::info!(ctx, "with ids");
    let record = &records("ids")[0];
    let ids = ctx.span_ids().unwrap();
    assert_eq!(
        record.kv("trace_id"),
        Some(&Kv::Text(ids.trace_id.to_string()))
    );
    assert_eq!(
        record.kv("span_id"),
        Some(&Kv::Text(ids.span_id.to_string()))
    );
}

#[test]
fn a_display_field_is_formatted_by_the_log_logger_only() {
    install();
    let counted = Counted::default();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("lazy"));
    ctxtrace::info!(ctx, "entry"; value = ctxtrace::display(&counted));
    assert_eq!(
        counted.count(),
        1,
        "formatted once, by the capturing logger"
    );
    assert_eq!(
        records("lazy")[0].kv("value"),
        Some(&Kv::Text("counted".into()))
    );
}

#[test]
fn the_logger_is_immutable() {
    let base = LogLogger::new();
    let with = base.with_field("pod", ctxtrace::Value::Str("web-1"));
    assert_eq!(base.fields().len(), 0);
    assert_eq!(with.fields().len(), 1);
    assert_eq!(with.with_method("sync").method(), Some("sync"));
    assert_eq!(with.method(), None);
}

#[test]
fn a_ctx_with_the_logger_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Ctx<MemoryTracer, LogLogger>>();
}

#[test]
fn redacted_values_reach_log_as_the_placeholder_only() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("redacted"))
        .with_field("token", ctxtrace::Redacted("s3cr3t"));
    ctxtrace::info!(ctx, "login"; password = ctxtrace::Redacted("hunter2"));
    let record = &records("redacted")[0];
    assert_eq!(record.kv("token"), Some(&Kv::Str("[redacted]".into())));
    assert_eq!(record.kv("password"), Some(&Kv::Str("[redacted]".into())));
}

#[test]
fn one_value_per_key_and_the_entry_wins() {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("one_value"))
        .with_field("phase", "Pending")
        .with_field("worker", 3)
        .with_field("phase", "Running");
    let (ctx, _span) = ctx.start_span("sync_pod");
    ctxtrace::info!(ctx, "synced"; worker = 4, attempt = 1, attempt = 2, method = "mine");
    ctxtrace::info!(ctx, "again");
    let records = records("one_value");
    assert_eq!(
        records[0].keys(),
        ["method", "phase", "worker", "attempt", "fields.method"]
    );
    assert_eq!(records[0].kv("method"), Some(&Kv::Str("sync_pod".into())));
    assert_eq!(records[0].kv("worker"), Some(&Kv::U64(4)));
    assert_eq!(records[0].kv("attempt"), Some(&Kv::U64(2)));
    assert_eq!(
        records[0].kv("fields.method"),
        Some(&Kv::Str("mine".into()))
    );
    assert_eq!(records[1].keys(), ["method", "worker", "phase"]);
    assert_eq!(records[1].kv("phase"), Some(&Kv::Str("Running".into())));
}
