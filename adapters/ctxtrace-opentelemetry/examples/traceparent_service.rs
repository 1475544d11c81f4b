//! A service that joins the trace it is called in: it serves one HTTP
//! request, continues the caller's trace with ctxtrace's W3C Trace Context
//! ([`TraceContext::from_headers`], [`Ctx::with_remote_parent`]) through the
//! OpenTelemetry adapter, sends its spans over OTLP/HTTP, and answers with
//! the `traceparent` and `tracestate` that [`Ctx::inject`] gives for its own
//! span.
//!
//! ```text
//! cargo run -p ctxtrace-opentelemetry --example traceparent_service -- \
//!     --otlp http://127.0.0.1:4318 [--listen 127.0.0.1:0] [--service-name node-agent]
//! ```
//!
//! It prints `listening on http://ADDR` when it accepts requests, and exits
//! once it has answered one, or after 60 seconds without one. The spans are
//! flushed to the collector before the answer goes out, so a caller that got
//! the answer finds them there. `tests/otlp/two_languages.py` calls it from
//! a Python client on the OpenTelemetry SDK.

use std::process::ExitCode;
use std::time::Duration;

use ctxtrace::{Ctx, Logger, NopLogger, Span, TraceContext, Tracer};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

const USAGE: &str = "usage: traceparent_service --otlp URL [--listen ADDR] [--service-name NAME]";

struct Args {
    otlp: String,
    listen: String,
    service_name: String,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut otlp = None;
    let mut listen = "127.0.0.1:0".to_owned();
    let mut service_name = "node-agent".to_owned();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--otlp" => otlp = Some(value()?),
            "--listen" => listen = value()?,
            "--service-name" => service_name = value()?,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    let otlp = otlp.ok_or("--otlp is required")?;
    let otlp = otlp.trim_end_matches('/');
    let otlp = if otlp.ends_with("/v1/traces") {
        otlp.to_owned()
    } else {
        format!("{otlp}/v1/traces")
    };
    Ok(Args {
        otlp,
        listen,
        service_name,
    })
}

/// The root `Ctx` of a request: its spans are children of the caller's
/// span when the request carries a valid `traceparent`, else a new trace.
fn continue_trace<T: Tracer, L: Logger>(
    root: &Ctx<T, L>,
    request: &tiny_http::Request,
) -> Ctx<T, L> {
    let headers = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str(), h.value.as_str()));
    match TraceContext::from_headers(headers) {
        Some(remote) => root.with_remote_parent(&remote),
        None => root.clone(),
    }
}

/// What the service does for a request, as any ctxtrace-instrumented code.
fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) -> Result<(), std::io::Error> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod);
    ctxtrace::info!(ctx, "syncing {} containers", 2; generation = 3u64);
    let result = ctx.in_span("provider.create_pod", |ctx| {
        ctxtrace::info!(ctx, "pod created"; ready = true);
        Ok(())
    });
    span.set_status(&result);
    result
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("traceparent_service: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(args.otlp.as_str())
        .build()
    {
        Ok(exporter) => exporter,
        Err(err) => {
            eprintln!("traceparent_service: cannot export to {}: {err}", args.otlp);
            return ExitCode::FAILURE;
        }
    };
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(args.service_name.clone())
                .build(),
        )
        .build();
    let server = match tiny_http::Server::http(args.listen.as_str()) {
        Ok(server) => server,
        Err(err) => {
            eprintln!(
                "traceparent_service: cannot listen on {}: {err}",
                args.listen
            );
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{}", server.server_addr());

    let request = match server.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(request)) => request,
        Ok(None) => {
            eprintln!("traceparent_service: no request came in 60 s");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("traceparent_service: {err}");
            return ExitCode::FAILURE;
        }
    };

    let root = Ctx::new(OtelTracer::new(provider.tracer("node-agent")), NopLogger);
    let ctx = continue_trace(&root, &request);
    let (ctx, mut span) = ctx.start_span("handle_sync_request");
    let ctx = span.with_field(&ctx, "http.request.method", request.method().as_str());
    let ctx = span.with_field(&ctx, "url.path", request.url());
    let result = sync_pod(&ctx, "default/web-1");
    // The headers that would hand the trace on from this span; the answer
    // carries them, so the caller sees where its trace went.
    let mut headers = Vec::new();
    ctx.inject(|name, value| headers.push((name, value.to_owned())));
    let ids = ctx.span_ids();
    span.set_status(&result);
    span.end();

    // The spans reach the collector before the caller hears back.
    let (status, body) = match provider.force_flush() {
        Ok(()) => {
            let ids = ids.expect("a recording span has ids");
            (
                200,
                format!(
                    "{{\"trace_id\":\"{}\",\"span_id\":\"{}\"}}",
                    ids.trace_id, ids.span_id
                ),
            )
        }
        Err(err) => (502, format!("{{\"error\":\"could not export: {err}\"}}")),
    };
    let mut response = tiny_http::Response::from_string(body.as_str()).with_status_code(status);
    for (name, value) in headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .chain([("Content-Type", "application/json")])
    {
        match tiny_http::Header::from_bytes(name, value) {
            Ok(header) => response.add_header(header),
            Err(()) => eprintln!("traceparent_service: cannot send the header {name}"),
        }
    }
    if let Err(err) = request.respond(response) {
        eprintln!("traceparent_service: cannot answer: {err}");
        return ExitCode::FAILURE;
    }
    if let Err(err) = provider.shutdown() {
        eprintln!("traceparent_service: {err}");
    }
    if status == 200 {
        ExitCode::SUCCESS
    } else {
        eprintln!("traceparent_service: {body}");
        ExitCode::FAILURE
    }
}
