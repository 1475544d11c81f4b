//! A test service for the W3C Trace Context test suite (w3c/trace-context,
//! `test/README.md`): it serves `POST /test`, and for each `{url, arguments}`
//! in the JSON array it receives, POSTs `arguments` to `url` with the
//! propagated `traceparent` and `tracestate`, each call in a child span of
//! the incoming request's span.
//!
//! ```text
//! cargo run --example w3c_service -- --listen 127.0.0.1:5000
//! python test.py http://127.0.0.1:5000/test      # in the suite's test/ folder
//! ```
//!
//! Flags: `--listen ADDR` (default `127.0.0.1:5000`), `--requests N` (stop
//! after N requests; default: serve until killed), `--log` (one logfmt line
//! per callback on stderr, with the span's ids).

use std::process::ExitCode;
use std::time::Duration;

use ctxtrace::{Ctx, Logger, MemoryTracer, NopLogger, Span, TextLogger, TraceContext, Tracer};
use serde_json::Value as Json;

/// How the service was asked to run.
struct Args {
    listen: String,
    requests: Option<u64>,
    log: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: "127.0.0.1:5000".to_string(),
        requests: None,
        log: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--listen" => args.listen = it.next().ok_or("--listen needs an address")?,
            "--requests" => {
                let n = it.next().ok_or("--requests needs a number")?;
                args.requests = Some(n.parse().map_err(|_| format!("--requests {n:?}"))?);
            }
            "--log" => args.log = true,
            "-h" | "--help" => {
                return Err("usage: w3c_service [--listen ADDR] [--requests N] [--log]".into());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("w3c_service: {message}");
            return ExitCode::from(2);
        }
    };
    let server = match tiny_http::Server::http(&args.listen) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("w3c_service: cannot listen on {}: {err}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    eprintln!("w3c_service: listening on http://{}/test", args.listen);
    // The recorder gives the ids; it keeps only the last spans, bounded.
    let tracer = MemoryTracer::with_capacity(1024);
    if args.log {
        serve(
            &server,
            &args,
            Ctx::new(tracer, TextLogger::new(std::io::stderr())),
        );
    } else {
        serve(&server, &args, Ctx::new(tracer, NopLogger));
    }
    ExitCode::SUCCESS
}

fn serve<T: Tracer, L: Logger>(server: &tiny_http::Server, args: &Args, root: Ctx<T, L>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    for (served, request) in (1u64..).zip(server.incoming_requests()) {
        handle(&root, &agent, request);
        if args.requests.is_some_and(|n| served >= n) {
            break;
        }
    }
}

fn handle<T: Tracer, L: Logger>(
    root: &Ctx<T, L>,
    agent: &ureq::Agent,
    mut request: tiny_http::Request,
) {
    if *request.method() != tiny_http::Method::Post || request.url() != "/test" {
        let _ = request.respond(tiny_http::Response::empty(404));
        return;
    }
    // Continue the caller's trace, or start a new one.
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
        .collect();
    let remote = TraceContext::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let ctx = match &remote {
        Some(remote) => root.with_remote_parent(remote),
        None => root.clone(),
    };
    let (ctx, mut span) = ctx.start_span("POST /test");

    let mut body = String::new();
    let actions = match request.as_reader().read_to_string(&mut body) {
        Ok(_) => serde_json::from_str::<Json>(&body).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let status = match actions {
        Ok(Json::Array(actions)) => {
            for action in &actions {
                call(&ctx, agent, action);
            }
            span.set_status(&Ok::<(), std::io::Error>(()));
            200
        }
        Ok(_) => {
            span.set_status_code(ctxtrace::StatusCode::InvalidArgument, "not a JSON array");
            400
        }
        Err(message) => {
            span.set_status_code(ctxtrace::StatusCode::InvalidArgument, &message);
            400
        }
    };
    drop(span);
    let json =
        tiny_http::Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    let _ = request.respond(
        tiny_http::Response::from_string("{}")
            .with_status_code(status)
            .with_header(json),
    );
}

/// POSTs `action.arguments` to `action.url` in a child span of `ctx`, with
/// that span's trace context in the headers.
fn call<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, agent: &ureq::Agent, action: &Json) {
    let (ctx, mut span) = ctx.start_span("POST callback");
    let Some(url) = action.get("url").and_then(Json::as_str) else {
        span.set_status_code(ctxtrace::StatusCode::InvalidArgument, "no url");
        return;
    };
    let ctx = span.with_field(&ctx, "url", url);
    let arguments = action
        .get("arguments")
        .cloned()
        .unwrap_or(Json::Array(Vec::new()));
    let mut post = Some(agent.post(url).content_type("application/json"));
    ctx.inject(|name, value| post = post.take().map(|p| p.header(name, value)));
    let Some(post) = post else { return };
    let result = post.send(arguments.to_string());
    match &result {
        Ok(response) => {
            ctxtrace::info!(ctx, "callback answered"; status = response.status().as_u16())
        }
        Err(err) => ctxtrace::warn!(ctx, "callback failed: {err}"),
    }
    span.set_status(&result);
}
