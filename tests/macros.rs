//! The logging macros: per-entry fields, key forms, sigils, trailing commas,
//! format arguments (64 of them too), and arguments that are not evaluated
//! when a level is ruled out.
#![cfg(feature = "std")]

mod common;

use common::{Counter, CountingDisplay, recorder, side_effect};
use ctxtrace::{
    Ctx, Level, LevelFilter, Logger, MemoryLogger, NopLogger, NopTracer, OwnedValue, Record, Value,
};

fn memory_ctx() -> (Ctx<NopTracer, MemoryLogger>, MemoryLogger) {
    let logger = MemoryLogger::new();
    (Ctx::new(NopTracer, logger.clone()), logger)
}

#[test]
fn every_level_has_its_macro() {
    let (ctx, logger) = memory_ctx();
    ctxtrace::error!(ctx, "e");
    ctxtrace::warn!(ctx, "w");
    ctxtrace::info!(ctx, "i");
    ctxtrace::debug!(ctx, "d");
    ctxtrace::trace!(ctx, "t");
    let seen: Vec<(Level, String)> = logger
        .entries()
        .iter()
        .map(|e| (e.level(), e.message().to_string()))
        .collect();
    let want: Vec<(Level, String)> = [
        (Level::Error, "e"),
        (Level::Warn, "w"),
        (Level::Info, "i"),
        (Level::Debug, "d"),
        (Level::Trace, "t"),
    ]
    .into_iter()
    .map(|(l, m)| (l, m.to_string()))
    .collect();
    assert_eq!(seen, want);
}

#[test]
fn entry_fields_reach_only_that_entry() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("sync_pod");
    ctxtrace::info!(ctx, "first"; attempt = 1);
    ctxtrace::info!(ctx, "second");
    drop(span);

    let entries = rec.logger.entries();
    assert_eq!(entries[0].field("attempt").unwrap().to_string(), "1");
    assert!(entries[1].field("attempt").is_none());
    // Not on the span either, only on the first event.
    let spans = rec.tracer.spans();
    let sync = spans.find("sync_pod").unwrap();
    assert_eq!(sync.attribute("attempt"), None);
    let events: Vec<_> = sync.events().collect();
    assert_eq!(events[0].field("attempt"), Some(Value::I64(1)));
    assert_eq!(events[1].field("attempt"), None);
}

#[test]
fn keys_are_identifiers_or_string_literals() {
    let (ctx, logger) = memory_ctx();
    let name = String::from("web-1");
    ctxtrace::info!(ctx, "keys"; pod = name, "k8s.namespace" = "default", ready = true, "ratio" = 0.5);
    let entry = &logger.entries()[0];
    let fields: Vec<(&str, String)> = entry.fields().map(|(k, v)| (k, v.to_string())).collect();
    assert_eq!(
        fields,
        [
            ("pod", "web-1".to_string()),
            ("k8s.namespace", "default".to_string()),
            ("ready", "true".to_string()),
            ("ratio", "0.5".to_string()),
        ]
    );
    // The field borrowed `name`; it is still ours.
    assert_eq!(name, "web-1");
}

#[test]
fn trailing_commas_are_accepted() {
    let (ctx, logger) = memory_ctx();
    let n = 3;
    ctxtrace::info!(ctx, "plain",);
    ctxtrace::info!(ctx, "args {} {}", n, "x",);
    ctxtrace::info!(ctx, "fields"; a = 1,);
    ctxtrace::info!(ctx, "both {}", n,; a = 1, "b" = 2,);
    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message()).collect();
    assert_eq!(messages, ["plain", "args 3 x", "fields", "both 3"]);
    assert_eq!(entries[2].fields().len(), 1);
    assert_eq!(entries[3].field("b").unwrap().to_string(), "2");
}

#[test]
fn format_arguments_work_as_in_format() {
    let (ctx, logger) = memory_ctx();
    let pod = "web-1";
    let containers = 2;
    ctxtrace::info!(ctx, "syncing {pod} with {containers} containers");
    ctxtrace::info!(ctx, "{1} before {0}", "zero", "one");
    ctxtrace::info!(ctx, "{pod:>8}|{:03}|{:.2}|{n}", 7, 1.5, n = containers * 10);
    ctxtrace::info!(ctx, "{{braces}} {:?}", "quoted");
    let messages: Vec<String> = logger
        .entries()
        .iter()
        .map(|e| e.message().to_string())
        .collect();
    assert_eq!(
        messages,
        [
            "syncing web-1 with 2 containers",
            "one before zero",
            "   web-1|007|1.50|20",
            "{braces} \"quoted\""
        ]
    );
}

#[test]
fn ctx_can_be_passed_by_value_or_by_reference() {
    let (ctx, logger) = memory_ctx();
    let by_ref = &ctx;
    ctxtrace::info!(ctx, "value");
    ctxtrace::info!(&ctx, "reference");
    ctxtrace::info!(by_ref, "binding");
    ctxtrace::info!(&by_ref, "double reference");
    // The macro only borrows: the ctx is still usable, and a temporary works.
    ctxtrace::info!(ctx.with_field("tmp", 1), "temporary");
    drop(ctx);
    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message()).collect();
    assert_eq!(
        messages,
        [
            "value",
            "reference",
            "binding",
            "double reference",
            "temporary"
        ]
    );
    assert_eq!(entries[4].field("tmp").unwrap().to_string(), "1");
}

#[test]
fn an_enabled_level_evaluates_each_argument_once() {
    let (ctx, logger) = memory_ctx();
    let shown = CountingDisplay::new("shown");
    let field = CountingDisplay::new("field");
    let calls = Counter::new();
    ctxtrace::info!(ctx, "{} {}", shown, side_effect(&calls, 5); f = ctxtrace::display(&field), n = side_effect(&calls, 6));
    assert_eq!((shown.count(), field.count(), calls.get()), (1, 1, 2));
    let entry = &logger.entries()[0];
    assert_eq!(entry.message(), "shown 5");
    assert_eq!(entry.field("f").unwrap().to_string(), "field");
    assert_eq!(entry.field("n").unwrap().to_string(), "6");
}

#[test]
fn a_level_ruled_out_at_compile_time_evaluates_nothing() {
    let ctx = Ctx::new(NopTracer, NopLogger);
    let shown = CountingDisplay::new("shown");
    let field = CountingDisplay::new("field");
    let calls = Counter::new();
    ctxtrace::error!(ctx, "{} {}", shown, side_effect(&calls, 1); f = ctxtrace::display(&field), n = side_effect(&calls, 2));
    ctxtrace::info!(&ctx, "{shown}"; n = side_effect(&calls, 3));
    ctxtrace::trace!(ctx, "{}", side_effect(&calls, 4));
    assert_eq!((shown.count(), field.count(), calls.get()), (0, 0, 0));
    assert!(!ctx.enabled(Level::Error));
    assert_eq!(Ctx::<NopTracer, NopLogger>::MAX_LEVEL, LevelFilter::Off);
}

/// A logger whose type allows at most `Info`, and that counts what it gets.
#[derive(Clone, Debug, Default)]
struct InfoOnly(Counter);

impl Logger for InfoOnly {
    const MAX_LEVEL: LevelFilter = LevelFilter::Info;
    fn enabled(&self, _: Level) -> bool {
        true
    }
    fn with_field(&self, _: &'static str, _: Value<'_>) -> Self {
        self.clone()
    }
    fn log(&self, _: &Record<'_>) {
        self.0.bump();
    }
}

#[test]
fn a_level_above_the_logger_type_maximum_evaluates_nothing() {
    let logger = InfoOnly::default();
    let ctx = Ctx::new(NopTracer, logger.clone());
    let shown = CountingDisplay::new("shown");
    let calls = Counter::new();
    ctxtrace::debug!(ctx, "{shown}"; n = side_effect(&calls, 1));
    ctxtrace::trace!(ctx, "{shown}"; n = side_effect(&calls, 1));
    assert_eq!((shown.count(), calls.get(), logger.0.get()), (0, 0, 0));
    ctxtrace::info!(ctx, "{}", side_effect(&calls, 1));
    assert_eq!((calls.get(), logger.0.get()), (1, 1));
}

#[test]
fn a_level_ruled_out_at_run_time_evaluates_nothing() {
    let logger = MemoryLogger::new().with_level(LevelFilter::Info);
    let ctx = Ctx::new(NopTracer, logger.clone());
    let shown = CountingDisplay::new("shown");
    let field = CountingDisplay::new("field");
    let calls = Counter::new();
    ctxtrace::debug!(ctx, "{} {}", shown, side_effect(&calls, 1); f = ctxtrace::display(&field), n = side_effect(&calls, 2));
    ctxtrace::trace!(&ctx, "{shown}"; n = side_effect(&calls, 3));
    assert_eq!((shown.count(), field.count(), calls.get()), (0, 0, 0));
    assert!(logger.entries().is_empty());

    // The same ctx lets an info line through, and evaluates it once.
    ctxtrace::info!(ctx, "{shown}"; n = side_effect(&calls, 4));
    assert_eq!((shown.count(), calls.get()), (1, 1));
    assert_eq!(logger.entries().len(), 1);
}

/// `0 1 2 … 63`: what the 64-argument calls below write.
fn sixty_four_numbers() -> String {
    (0..64).map(|n| n.to_string()).collect::<Vec<_>>().join(" ")
}

#[test]
fn sixty_four_format_arguments() {
    let (ctx, logger) = memory_ctx();
    let v: Vec<u32> = (0..64).collect();
    ctxtrace::info!(
        ctx,
        "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        v[7],
        v[8],
        v[9],
        v[10],
        v[11],
        v[12],
        v[13],
        v[14],
        v[15],
        v[16],
        v[17],
        v[18],
        v[19],
        v[20],
        v[21],
        v[22],
        v[23],
        v[24],
        v[25],
        v[26],
        v[27],
        v[28],
        v[29],
        v[30],
        v[31],
        v[32],
        v[33],
        v[34],
        v[35],
        v[36],
        v[37],
        v[38],
        v[39],
        v[40],
        v[41],
        v[42],
        v[43],
        v[44],
        v[45],
        v[46],
        v[47],
        v[48],
        v[49],
        v[50],
        v[51],
        v[52],
        v[53],
        v[54],
        v[55],
        v[56],
        v[57],
        v[58],
        v[59],
        v[60],
        v[61],
        v[62],
        v[63]
    );
    assert_eq!(logger.entries()[0].message(), sixty_four_numbers());
}

#[test]
fn sixty_four_format_arguments_then_fields() {
    let (ctx, logger) = memory_ctx();
    let v: Vec<u32> = (0..64).collect();
    let addr = std::net::Ipv4Addr::LOCALHOST;
    ctxtrace::info!(
        ctx,
        "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
        v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25],
        v[26], v[27], v[28], v[29], v[30], v[31], v[32], v[33], v[34], v[35], v[36], v[37],
        v[38], v[39], v[40], v[41], v[42], v[43], v[44], v[45], v[46], v[47], v[48], v[49],
        v[50], v[51], v[52], v[53], v[54], v[55], v[56], v[57], v[58], v[59], v[60], v[61],
        v[62], v[63],;
        count = v.len(), addr = %addr, "k8s.last" = ?v[63], last = v[63]
    );
    let entry = &logger.entries()[0];
    assert_eq!(entry.message(), sixty_four_numbers());
    let fields: Vec<(&str, String)> = entry.fields().map(|(k, v)| (k, v.to_string())).collect();
    assert_eq!(
        fields,
        [
            ("count", "64".to_string()),
            ("addr", "127.0.0.1".to_string()),
            ("k8s.last", "63".to_string()),
            ("last", "63".to_string()),
        ]
    );
}

#[test]
fn sixty_four_fields_without_sigils() {
    let (ctx, logger) = memory_ctx();
    let v: Vec<u32> = (0..64).collect();
    ctxtrace::info!(
        ctx,
        "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
        v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25],
        v[26], v[27], v[28], v[29], v[30], v[31], v[32], v[33], v[34], v[35], v[36], v[37],
        v[38], v[39], v[40], v[41], v[42], v[43], v[44], v[45], v[46], v[47], v[48], v[49],
        v[50], v[51], v[52], v[53], v[54], v[55], v[56], v[57], v[58], v[59], v[60], v[61],
        v[62], v[63];
        f0 = v[0], f1 = v[1], f2 = v[2], f3 = v[3], f4 = v[4], f5 = v[5], f6 = v[6], f7 = v[7],
        f8 = v[8], f9 = v[9], f10 = v[10], f11 = v[11], f12 = v[12], f13 = v[13], f14 = v[14],
        f15 = v[15], f16 = v[16], f17 = v[17], f18 = v[18], f19 = v[19], f20 = v[20],
        f21 = v[21], f22 = v[22], f23 = v[23], f24 = v[24], f25 = v[25], f26 = v[26],
        f27 = v[27], f28 = v[28], f29 = v[29], f30 = v[30], f31 = v[31], f32 = v[32],
        f33 = v[33], f34 = v[34], f35 = v[35], f36 = v[36], f37 = v[37], f38 = v[38],
        f39 = v[39], f40 = v[40], f41 = v[41], f42 = v[42], f43 = v[43], f44 = v[44],
        f45 = v[45], f46 = v[46], f47 = v[47], f48 = v[48], f49 = v[49], f50 = v[50],
        f51 = v[51], f52 = v[52], f53 = v[53], f54 = v[54], f55 = v[55], f56 = v[56],
        f57 = v[57], f58 = v[58], f59 = v[59], f60 = v[60], f61 = v[61], f62 = v[62],
        f63 = v[63]
    );
    let entry = &logger.entries()[0];
    assert_eq!(entry.message(), sixty_four_numbers());
    assert_eq!(entry.fields().len(), 64);
    assert_eq!(entry.field("f63"), Some(&OwnedValue::U64(63)));
}

#[test]
fn named_arguments_and_captures_before_fields() {
    let (ctx, logger) = memory_ctx();
    let pod = "web-1";
    ctxtrace::info!(ctx, "{pod} {} {n} {0}", 1 + 1, n = pod.len() * 2; n = 3);
    ctxtrace::info!(ctx, "{n}", n = 5,; a = 1);
    ctxtrace::info!(ctx, concat!("{}", "-{}"), "x", 'y');
    let entries = logger.entries();
    assert_eq!(entries[0].message(), "web-1 2 10 2");
    assert_eq!(entries[0].field("n"), Some(&OwnedValue::U64(3)));
    assert_eq!(entries[1].message(), "5");
    assert_eq!(entries[2].message(), "x-y");
}

#[derive(Debug)]
struct Spec {
    image: &'static str,
    replicas: u8,
}

#[test]
fn percent_takes_display_and_question_mark_takes_debug() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("sync_pod");
    let addr: std::net::SocketAddr = "10.0.0.7:8080".parse().unwrap();
    let spec = Spec {
        image: "nginx",
        replicas: 2,
    };
    ctxtrace::info!(ctx, "applied";
        addr = %addr, spec = ?spec, "k8s.addr" = %addr, "k8s.image" = ?spec.image, plain = 1, name = %spec.image);
    drop(span);

    let want_spec = &format!(r#"Spec {{ image: "nginx", replicas: {} }}"#, spec.replicas);
    let entry = &rec.logger.entries()[0];
    let fields: Vec<(&str, String)> = entry.fields().map(|(k, v)| (k, v.to_string())).collect();
    assert_eq!(entry.method(), Some("sync_pod"));
    let want = [
        ("addr", "10.0.0.7:8080"),
        ("spec", want_spec),
        ("k8s.addr", "10.0.0.7:8080"),
        ("k8s.image", "\"nginx\""),
        ("plain", "1"),
        ("name", "nginx"),
    ]
    .map(|(k, v)| (k, v.to_string()));
    assert_eq!(fields, want);
    // The memory tracer keeps both as their text.
    let spans = rec.tracer.spans();
    let event = spans.find("sync_pod").unwrap().events().next().unwrap();
    assert_eq!(event.field("spec"), Some(Value::Str(want_spec.as_str())));
    assert_eq!(event.field("addr"), Some(Value::Str("10.0.0.7:8080")));
    assert_eq!(event.field("plain"), Some(Value::I64(1)));
}

#[test]
fn sigil_values_are_not_evaluated_when_the_level_is_ruled_out() {
    let logger = MemoryLogger::new().with_level(LevelFilter::Info);
    let ctx = Ctx::new(NopTracer, logger.clone());
    let shown = CountingDisplay::new("shown");
    let calls = Counter::new();
    ctxtrace::debug!(ctx, "{}", side_effect(&calls, 1); d = %shown, g = ?side_effect(&calls, 2), "k" = %side_effect(&calls, 3));
    assert_eq!((shown.count(), calls.get()), (0, 0));
    assert!(logger.entries().is_empty());
    ctxtrace::info!(ctx, "kept"; d = %shown, g = ?side_effect(&calls, 2));
    assert_eq!((shown.count(), calls.get()), (1, 1));
}
