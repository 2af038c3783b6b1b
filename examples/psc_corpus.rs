//! Read a folder of real Pro Santé Connect claim sets and check that the crate reads every one
//! as PSC sent it: `cargo run --example psc_corpus -- ../shared/psc-real` (the default folder).
//!
//! Each `*.json` file of the folder (and of its `derived/` subfolder) is one claim set: an ID or
//! access token's payload, a UserInfo response, or both merged. For each, the check fails when
//!
//! - the claim set does not parse as [`PscClaims`];
//! - it names a professional (`SubjectNameID` or `preferred_username`) and no context can be
//!   built from it, or the context lost a claim the crate reads: the subject, `iss`, `acr`,
//!   `amr`, `auth_time`, `iat`, `authMode`, or the places of activity of `SubjectRefPro`;
//! - it names nobody and the error is not the clear "no subject" one.
//!
//! Then every token and UserInfo of one professional are merged (`RiskContext::from_psc`), as a
//! provider that calls the UserInfo endpoint does, and the merged context must hold what both
//! halves held. The program prints a table and exits with status 1 on any failure, so
//! `.ci/run` runs it over `../shared/psc-real` (the corpus is read from there, never copied).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ecps_risk::{AuthMode, ClaimsError, ContextError, PscClaims, RiskContext, RiskContextBuilder};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The login time when a claim set carries none (a UserInfo response).
const DEFAULT_NOW: OffsetDateTime = datetime!(2026-01-15 10:00 UTC);

struct Loaded {
    name: String,
    raw: Value,
    claims: PscClaims,
}

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("../shared/psc-real"), PathBuf::from);
    match run(&dir) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failures) => {
            eprintln!("{failures} failure(s)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("psc_corpus: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path) -> Result<usize, Box<dyn Error>> {
    let mut files = json_files(dir)?;
    files.extend(json_files(&dir.join("derived")).unwrap_or_default());
    if files.is_empty() {
        return Err("no claim set (*.json) found".into());
    }
    let mut failures = 0;
    let mut loaded = Vec::new();
    println!(
        "{:<58} {:<24} {:<20} {:<6} {:<8} {:<6} {:<27} places",
        "claim set", "subject", "kind", "test", "acr", "mode", "issuer host"
    );
    for path in &files {
        let name = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        let text = std::fs::read_to_string(path)?;
        let raw: Value = serde_json::from_str(&text)?;
        let claims = match serde_json::from_str::<PscClaims>(&text) {
            Ok(c) => c,
            Err(e) => {
                failures += 1;
                println!("{} FAIL: does not parse as PSC claims: {e}", short(&name));
                continue;
            }
        };
        match check_one(&raw, &claims) {
            Ok(line) => println!("{} {line}", short(&name)),
            Err(why) => {
                failures += 1;
                println!("{} FAIL: {why}", short(&name));
            }
        }
        loaded.push(Loaded { name, raw, claims });
    }
    failures += check_merges(&loaded);
    println!("{} claim sets read, {failures} failure(s)", files.len());
    Ok(failures)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort();
    Ok(out)
}

fn short(name: &str) -> String {
    let cut: String = name.chars().take(57).collect();
    format!("{cut:<58}")
}

/// The claim's text when present and not blank (PSC sends absent values as `""`).
fn text(raw: &Value, claim: &str) -> Option<String> {
    match raw.get(claim)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn login_time(claims: &PscClaims) -> OffsetDateTime {
    claims
        .iat
        .or(claims.auth_time)
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t + 1).ok())
        .unwrap_or(DEFAULT_NOW)
}

fn build(b: Result<RiskContextBuilder, ContextError>) -> Result<RiskContext, String> {
    b.and_then(RiskContextBuilder::build)
        .map_err(|e| format!("refused: {e}"))
}

/// One claim set: a context that keeps every claim the crate reads, or the clear error.
fn check_one(raw: &Value, claims: &PscClaims) -> Result<String, String> {
    let identity = text(raw, "SubjectNameID").or_else(|| text(raw, "preferred_username"));
    let built = build(RiskContext::from_psc(login_time(claims), claims, None));
    let Some(identity) = identity else {
        return match built {
            Err(_) if claims.subject() == Err(ClaimsError::NoSubject) => {
                Ok("no professional identity: refused as \"no subject\", as it must be".into())
            }
            Err(e) => Err(format!("no identity, but an unclear error: {e}")),
            Ok(ctx) => Err(format!(
                "no identity, yet a context for `{}`",
                ctx.subject()
            )),
        };
    };
    let ctx = built?;
    keeps_what_it_reads(raw, &ctx)?;
    if ctx.subject().as_str() != identity {
        return Err(format!(
            "subject `{}` instead of `{identity}`",
            ctx.subject()
        ));
    }
    Ok(describe(&ctx))
}

/// Every claim the crate reads that the raw claim set carries made it into the context.
fn keeps_what_it_reads(raw: &Value, ctx: &RiskContext) -> Result<(), String> {
    let auth = &ctx.event().auth;
    let lost = |claim: &str| Err(format!("claim `{claim}` lost"));
    if text(raw, "acr").is_some() && auth.acr.is_none() {
        return lost("acr");
    }
    if let Some(t) = raw.get("auth_time").and_then(Value::as_i64)
        && auth.auth_time.map(OffsetDateTime::unix_timestamp) != Some(t)
    {
        return lost("auth_time");
    }
    if let Some(t) = raw.get("iat").and_then(Value::as_i64)
        && auth.issued_at.map(OffsetDateTime::unix_timestamp) != Some(t)
    {
        return lost("iat");
    }
    if let Some(mode) = text(raw, "authMode")
        && auth.mode != Some(AuthMode::parse(&mode))
    {
        return lost("authMode");
    }
    if let Some(iss) = text(raw, "iss")
        && auth.issuer.as_deref() != Some(iss.as_str())
    {
        return lost("iss");
    }
    let amr = raw.get("amr").and_then(Value::as_array);
    if amr.is_some_and(|a| !a.is_empty()) && auth.amr.is_none() {
        return lost("amr");
    }
    if let Some(ref_pro) = raw.get("SubjectRefPro") {
        let practice = ctx.event().practice.as_deref();
        if practice.is_none() {
            return lost("SubjectRefPro");
        }
        // An activity with a place (a French postal code, a country) must give a place of
        // practice. (`96…` does not exist and `99…` is INSEE's "abroad": no place to tell.)
        let placed = ref_pro["exercices"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["activities"].as_array().into_iter().flatten())
            .any(|a| {
                let french = text(a, "codePostal")
                    .is_some_and(|c| !c.starts_with("96") && !c.starts_with("99"));
                french || text(a, "codePays").is_some() || text(a, "libellePays").is_some()
            });
        if placed && practice.is_some_and(<[_]>::is_empty) {
            return lost("SubjectRefPro activities' places");
        }
    }
    Ok(())
}

fn describe(ctx: &RiskContext) -> String {
    let e = ctx.event();
    let places: Vec<String> = e
        .practice
        .iter()
        .flatten()
        .map(|p| match p.department {
            Some(d) => format!("{}/{d}", p.country),
            None => p.country.to_string(),
        })
        .collect();
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    format!(
        "{:<24} {:<20} {:<6} {:<8} {:<6} {:<27} {}",
        ctx.subject().as_str(),
        ctx.subject().kind().as_str(),
        ctx.subject().is_test_identity(),
        or_dash(e.auth.acr.map(|a| format!("{a:?}").to_lowercase())),
        or_dash(e.auth.mode.as_ref().map(|m| m.as_str().to_owned())),
        or_dash(ctx.issuer_host().map(str::to_owned)),
        if e.practice.is_none() {
            "-".into()
        } else {
            places.join(",")
        }
    )
}

/// Every token (it has `acr`) with every UserInfo (it has `SubjectRefPro`) of the same
/// professional: the merged context holds the authentication facts and the places.
fn check_merges(sets: &[Loaded]) -> usize {
    let mut failures = 0;
    let subject = |l: &Loaded| l.claims.subject().ok();
    for token in sets.iter().filter(|l| l.claims.acr.is_some()) {
        for userinfo in sets.iter().filter(|l| l.claims.subject_ref_pro.is_some()) {
            if token.name == userinfo.name
                || subject(token).is_none()
                || subject(token) != subject(userinfo)
            {
                continue;
            }
            let now = login_time(&token.claims);
            let label = format!("merge {} + {}", token.name, userinfo.name);
            let result = build(RiskContext::from_psc(
                now,
                &token.claims,
                Some(&userinfo.claims),
            ))
            .and_then(|ctx| {
                keeps_what_it_reads(&token.raw, &ctx)?;
                keeps_what_it_reads(&userinfo.raw, &ctx)?;
                let e = &ctx.event();
                if e.auth.acr.is_none() || e.practice.is_none() {
                    return Err("the merged context lacks acr or places".into());
                }
                Ok(describe(&ctx))
            });
            match result {
                Ok(line) => println!("{} {line}", short(&label)),
                Err(why) => {
                    failures += 1;
                    println!("{} FAIL: {why}", short(&label));
                }
            }
        }
    }
    failures
}
