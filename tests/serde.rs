//! The `serde` feature: levels, statuses, values, and recorded spans as JSON.
#![cfg(all(feature = "serde", feature = "std"))]

use std::time::Duration;

use ctxtrace::{
    Ctx, EventData, Ids, Level, LevelFilter, ManualClock, MemoryLogger, MemoryTracer, OwnedStatus,
    OwnedValue, Redacted, Span, SpanData, Status, StatusCode,
};

fn traced_run() -> MemoryTracer<ManualClock> {
    let clock = ManualClock::new(1_795_514_400_000_000_000);
    // Counter ids, so that the documented shape has known ids.
    let tracer = MemoryTracer::with_clock(clock.clone()).with_ids(Ids::Sequential);
    let ctx = Ctx::new(tracer.clone(), MemoryLogger::new());
    let (ctx, mut root) = ctx.start_span("handleQueueItem");
    let ctx = root.with_field(&ctx, "key", "default/web-1");
    let (ctx, mut sync) = ctx.start_span("syncPodInProvider");
    let ctx = sync.with_field(&ctx, "name", "web \"1\"\n");
    let ctx = sync.with_field(&ctx, "attempt", 3u32);
    let ctx = sync.with_field(&ctx, "ratio", 0.25);
    let ctx = sync.with_field(&ctx, "offset", -7);
    let ctx = sync.with_field(&ctx, "ready", true);
    let ctx = sync.with_field(&ctx, "token", Redacted("hunter2"));
    clock.advance(Duration::from_micros(15));
    ctxtrace::warn!(ctx, "requeue {}", 1; reason = "NotFound", delay_ms = 250);
    let (_, mut create) = ctx.start_span("provider.CreatePod");
    create.set_status_code(StatusCode::NotFound, "pod \"web-1\" not found");
    clock.advance(Duration::from_micros(5));
    create.end();
    sync.set_status(&Ok::<(), std::io::Error>(()));
    sync.end();
    root.end();
    tracer
}

#[test]
fn a_recorded_span_tree_round_trips_through_json() {
    let spans = traced_run().spans();
    let json = serde_json::to_string_pretty(&spans).unwrap();
    let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
    let expected: Vec<SpanData> = spans.iter().map(|s| s.to_data()).collect();
    assert_eq!(back, expected);
    assert_eq!(back.len(), 3);

    let create = back
        .iter()
        .find(|s| s.name == "provider.CreatePod")
        .unwrap();
    let sync = back.iter().find(|s| s.name == "syncPodInProvider").unwrap();
    assert_eq!(create.parent_id, Some(sync.span_id));
    assert_eq!(create.trace_id, sync.trace_id);
    assert_eq!(
        create.status,
        OwnedStatus::Error {
            code: StatusCode::NotFound,
            message: "pod \"web-1\" not found".into()
        }
    );
    assert_eq!(sync.end_unix_nanos - sync.start_unix_nanos, 20_000);
    assert_eq!(sync.events[0].message, "requeue 1");
    assert_eq!(sync.events[0].target, "serde");
    // The `Ctx`'s fields (the span fields, through the logger), then the
    // entry's own.
    let fields = &sync.events[0].fields;
    assert_eq!(
        fields[0],
        ("key".to_string(), OwnedValue::Str("default/web-1".into()))
    );
    assert_eq!(
        fields.last(),
        Some(&("delay_ms".to_string(), OwnedValue::I64(250)))
    );
}

#[test]
fn span_json_has_the_documented_shape() {
    let spans = traced_run().spans();
    let value = serde_json::to_value(spans.find("syncPodInProvider").unwrap()).unwrap();
    assert_eq!(value["name"], "syncPodInProvider");
    assert_eq!(value["span_id"], 2);
    assert_eq!(value["parent_id"], 1);
    assert_eq!(value["attributes"]["name"], "web \"1\"\n");
    assert_eq!(value["attributes"]["attempt"], 3);
    assert_eq!(value["attributes"]["ratio"], 0.25);
    assert_eq!(value["attributes"]["offset"], -7);
    assert_eq!(value["attributes"]["ready"], true);
    assert_eq!(value["attributes"]["token"], "[redacted]");
    assert_eq!(value["status"], serde_json::json!({"status": "ok"}));
    assert_eq!(value["events"][0]["level"], "warn");
    assert_eq!(value["events"][0]["target"], "serde");
    assert_eq!(value["events"][0]["fields"]["reason"], "NotFound");
}

#[test]
fn attribute_order_survives_and_a_key_set_again_is_kept_once() {
    let tracer = MemoryTracer::new();
    let (ctx, mut span) = Ctx::new(tracer.clone(), ctxtrace::NopLogger).start_span("s");
    let _ = span.with_field(&ctx, "z", 1);
    let _ = span.with_field(&ctx, "a", 2);
    let _ = span.with_field(&ctx, "z", 3);
    drop(span);
    let json = serde_json::to_string(&tracer.spans()).unwrap();
    assert!(json.contains(r#""attributes":{"z":3,"a":2}"#), "{json}");
    let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = back[0].attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["z", "a"]);
}

#[test]
fn levels_and_codes_round_trip() {
    for level in Level::ALL {
        let json = serde_json::to_string(&level).unwrap();
        assert_eq!(json, format!("\"{level}\""));
        assert_eq!(serde_json::from_str::<Level>(&json).unwrap(), level);
    }
    for filter in [LevelFilter::Off, LevelFilter::Error, LevelFilter::Trace] {
        let json = serde_json::to_string(&filter).unwrap();
        assert_eq!(serde_json::from_str::<LevelFilter>(&json).unwrap(), filter);
    }
    for code in StatusCode::ALL {
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(serde_json::from_str::<StatusCode>(&json).unwrap(), code);
    }
}

#[test]
fn a_borrowed_status_serializes_like_the_owned_one() {
    let status = Status::Error {
        code: StatusCode::Internal,
        message: "boom",
    };
    let json = serde_json::to_string(&status).unwrap();
    assert_eq!(
        json,
        r#"{"status":"error","code":"Internal","message":"boom"}"#
    );
    let owned: OwnedStatus = serde_json::from_str(&json).unwrap();
    assert_eq!(owned.as_status(), status);
    assert_eq!(
        serde_json::to_string(&Status::Unset).unwrap(),
        r#"{"status":"unset"}"#
    );
}

#[test]
fn owned_values_keep_their_kind() {
    let values = [
        OwnedValue::Str("x".into()),
        OwnedValue::I64(i64::MIN),
        OwnedValue::U64(u64::MAX),
        OwnedValue::F64(-0.5),
        OwnedValue::Bool(false),
    ];
    for value in &values {
        let json = serde_json::to_string(value).unwrap();
        assert_eq!(
            &serde_json::from_str::<OwnedValue>(&json).unwrap(),
            value,
            "{json}"
        );
    }
}

#[test]
fn non_finite_floats_round_trip_as_floats_and_stay_apart_from_strings() {
    let cases = [
        (f64::NAN, r#"{"f64":"NaN"}"#),
        (f64::INFINITY, r#"{"f64":"inf"}"#),
        (f64::NEG_INFINITY, r#"{"f64":"-inf"}"#),
    ];
    for (n, want) in cases {
        let json = serde_json::to_string(&OwnedValue::F64(n)).unwrap();
        assert_eq!(json, want);
        match serde_json::from_str::<OwnedValue>(&json).unwrap() {
            OwnedValue::F64(back) => {
                assert!(
                    back == n || (back.is_nan() && n.is_nan()),
                    "{json} read back as {back}"
                )
            }
            other => panic!("{json} read back as {other:?}"),
        }
    }
    // The strings stay strings, both ways.
    for text in ["NaN", "inf", "-inf"] {
        let json = serde_json::to_string(&OwnedValue::Str(text.into())).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        let back = serde_json::from_str::<OwnedValue>(&json).unwrap();
        assert!(matches!(&back, OwnedValue::Str(s) if s == text), "{back:?}");
    }
    // A finite float, and a duration, are not taken for the tagged form.
    assert!(matches!(
        serde_json::from_str::<OwnedValue>("2.5").unwrap(),
        OwnedValue::F64(n) if n == 2.5
    ));
    assert!(matches!(
        serde_json::from_str::<OwnedValue>(r#"{"secs":1,"nanos":0}"#).unwrap(),
        OwnedValue::Duration(d) if d == Duration::from_secs(1)
    ));
    // Other text in the tagged form is refused, not guessed.
    assert!(serde_json::from_str::<OwnedValue>(r#"{"f64":"nan?"}"#).is_err());

    // Through a recorded span and back.
    let tracer = MemoryTracer::new();
    let (ctx, mut span) = Ctx::new(tracer.clone(), MemoryLogger::new()).start_span("s");
    let _ = span.with_field(&ctx, "ratio", f64::NAN);
    let _ = span.with_field(&ctx, "label", "NaN");
    drop(span);
    let json = serde_json::to_string(&tracer.spans()).unwrap();
    let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
    assert!(
        matches!(back[0].attributes[0].1, OwnedValue::F64(n) if n.is_nan()),
        "{json}"
    );
    assert!(
        matches!(&back[0].attributes[1].1, OwnedValue::Str(s) if s == "NaN"),
        "{json}"
    );
}

#[test]
fn levels_deserialize_whatever_from_str_takes() {
    let names = [
        "INFO", "info", "Info", "iNfO", "ERROR", "Warn", "WARNING", "warning", "debug", "TRACE",
        "off", "OFF", "Off", "verbose", "", "info ", "inf",
    ];
    for name in names {
        let json = format!("\"{name}\"");
        assert_eq!(
            serde_json::from_str::<Level>(&json).ok(),
            name.parse::<Level>().ok(),
            "{name:?} as a Level"
        );
        assert_eq!(
            serde_json::from_str::<LevelFilter>(&json).ok(),
            name.parse::<LevelFilter>().ok(),
            "{name:?} as a LevelFilter"
        );
    }
    assert_eq!(
        serde_json::from_str::<Level>(r#""INFO""#).unwrap(),
        Level::Info
    );
    assert!(serde_json::from_str::<Level>(r#""off""#).is_err());
    assert_eq!(
        serde_json::from_str::<LevelFilter>(r#""OFF""#).unwrap(),
        LevelFilter::Off
    );
    // Not a string at all.
    assert!(serde_json::from_str::<Level>("3").is_err());
    // Inside recorded data, through serde's internal buffering too.
    let event = r#"{"level":"WARNING","unix_nanos":5,"message":"m","fields":{}}"#;
    let event: EventData = serde_json::from_str(event).unwrap();
    assert_eq!(event.level, Level::Warn);
}

#[test]
fn null_durations_and_128_bit_integers_serialize_as_documented() {
    let cases = [
        (OwnedValue::Null, "null"),
        (
            OwnedValue::Duration(Duration::new(1, 500_000_000)),
            r#"{"secs":1,"nanos":500000000}"#,
        ),
        (OwnedValue::U128(7), "7"),
        (OwnedValue::I128(-7), "-7"),
        (
            OwnedValue::U128(u128::MAX),
            "340282366920938463463374607431768211455",
        ),
    ];
    for (value, want) in &cases {
        assert_eq!(serde_json::to_string(value).unwrap(), *want);
    }
    // Back from JSON: all but the integer wider than 64 bits, which
    // serde_json reads as a float.
    for (value, json) in &cases[..4] {
        assert_eq!(
            &serde_json::from_str::<OwnedValue>(json).unwrap(),
            value,
            "{json}"
        );
    }
    assert!(matches!(
        serde_json::from_str::<OwnedValue>(cases[4].1).unwrap(),
        OwnedValue::F64(_)
    ));

    // And inside a recorded span, which reads back whole.
    let tracer = MemoryTracer::new();
    let (ctx, mut span) = Ctx::new(tracer.clone(), ctxtrace::NopLogger).start_span("s");
    let ctx = span.with_field(&ctx, "took", Duration::from_millis(250));
    ctxtrace::info!(ctx, "m"; parent = None::<&str>, id = 7u128);
    drop(span);
    let spans = tracer.spans();
    let json = serde_json::to_string(&spans).unwrap();
    assert!(
        json.contains(r#""attributes":{"took":{"secs":0,"nanos":250000000}}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""fields":{"parent":null,"id":7}"#),
        "{json}"
    );
    let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, [spans.find("s").unwrap().to_data()]);
}

#[test]
fn memory_logger_entries_serialize_with_their_fields_in_order() {
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(ctxtrace::NopTracer, logger.clone()).with_field("workerId", 2);
    let picked = line!() + 1;
    ctxtrace::info!(ctx, "picked"; key = "default/web-1");
    let (ctx, _span) = ctx.start_span("sync_pod");
    let synced = line!() + 1;
    ctxtrace::info!(ctx, target: "podlib", "synced");
    ctx.log(Level::Warn, format_args!("bare"), &[]);
    let entries = logger.entries();
    assert_eq!(
        serde_json::to_string(&entries[0]).unwrap(),
        format!(
            r#"{{"level":"info","target":"serde","message":"picked","file":"tests/serde.rs","line":{picked},"method":null,"span_ids":null,"fields":{{"workerId":2,"key":"default/web-1"}}}}"#
        )
    );
    assert_eq!(
        serde_json::to_string(&entries[1]).unwrap(),
        format!(
            r#"{{"level":"info","target":"podlib","message":"synced","file":"tests/serde.rs","line":{synced},"method":"sync_pod","span_ids":null,"fields":{{"workerId":2}}}}"#
        )
    );
    // No call site: an empty target and file, and line 0.
    assert_eq!(
        serde_json::to_string(&entries[2]).unwrap(),
        r#"{"level":"warn","target":"","message":"bare","file":"","line":0,"method":"sync_pod","span_ids":null,"fields":{"workerId":2}}"#
    );
}

#[test]
fn an_event_keeps_its_target_through_json_and_one_written_without_it_reads_back() {
    let tracer = MemoryTracer::new();
    let (ctx, span) = Ctx::new(tracer.clone(), ctxtrace::NopLogger).start_span("s");
    ctxtrace::info!(ctx, target: "podlib::pull", "pulled");
    drop(span);
    let spans = tracer.spans();
    let json = serde_json::to_string(&spans).unwrap();
    assert!(json.contains(r#""target":"podlib::pull""#), "{json}");
    let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
    assert_eq!(back[0].events[0].target, "podlib::pull");
    assert_eq!(back, [spans.find("s").unwrap().to_data()]);

    // Data written before events kept their target reads back with none.
    let old = r#"{"level":"info","unix_nanos":5,"message":"m","fields":{"k":1}}"#;
    let event: EventData = serde_json::from_str(old).unwrap();
    assert_eq!((event.target.as_str(), event.message.as_str()), ("", "m"));
}
