//! The OSV API client (`vouch audit --online`): `POST /v1/querybatch` for the ids affecting each
//! package, then `GET /v1/vulns/{id}` for the full records, which are matched by the same code
//! as the offline index (so fixed versions, aliases and upgrades come out the same).
//!
//! The base URL is a parameter (the binary reads `VOUCH_OSV_URL`); [`DEFAULT_OSV_URL`] is the
//! only place the public service is named. Only packages with an ecosystem the API knows and a
//! version are sent: names and versions, never paths or file digests. Responses are size-capped
//! and pages are followed up to a bound.

use crate::advisory::Advisory;
use crate::audit::{Claims, Query};
use crate::db::MemoryIndex;
use crate::error::{Error, Result};
use crate::version::Ecosystem;
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// The public OSV API.
pub const DEFAULT_OSV_URL: &str = "https://api.osv.dev";

/// Queries per `querybatch` request (the API's limit is 1,000).
const BATCH: usize = 1000;
/// Pages followed for one package.
const MAX_PAGES: usize = 50;
/// Largest response body read.
const MAX_BODY: u64 = 64 << 20;
/// Parallel `vulns/{id}` requests.
const WORKERS: usize = 8;

/// What the API said: the records, and which query each affects.
pub struct OnlineResults {
    /// The full records fetched.
    pub index: MemoryIndex,
    /// `(query index, advisory id)` pairs the API reported.
    pub claims: Claims,
    /// Requests made (for messages).
    pub requests: u64,
}

/// A client for one OSV API base URL.
pub struct OsvClient {
    base: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize, Default)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnRef {
    id: String,
}

impl OsvClient {
    /// A client for `base` (e.g. [`DEFAULT_OSV_URL`]), with a 30-second timeout per request.
    pub fn new(base: &str) -> OsvClient {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .user_agent(format!("vouch/{}", env!("CARGO_PKG_VERSION")))
            .build();
        OsvClient {
            base: base.trim_end_matches('/').to_owned(),
            agent: config.into(),
        }
    }

    fn err(&self, url: &str, message: impl Into<String>) -> Error {
        Error::Online {
            url: url.to_owned(),
            message: message.into(),
        }
    }

    fn transport(&self, url: &str, e: &ureq::Error) -> Error {
        self.err(
            url,
            format!(
                "cannot reach the server ({e}); check the network, a proxy (HTTPS_PROXY) or VOUCH_OSV_URL, \
                 or run without --online to use only the offline database"
            ),
        )
    }

    fn read(
        &self,
        url: &str,
        mut resp: ureq::http::Response<ureq::Body>,
    ) -> Result<Option<String>> {
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| self.err(url, format!("cannot read the response: {e}")))?;
        match status {
            200 => Ok(Some(body)),
            404 => Ok(None),
            s => Err(self.err(
                url,
                format!(
                    "HTTP {s}: {}",
                    body.lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )),
        }
    }

    fn post(&self, path: &str, body: &serde_json::Value) -> Result<String> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| self.transport(&url, &e))?;
        self.read(&url, resp)?
            .ok_or_else(|| self.err(&url, "HTTP 404: is this an OSV API server?"))
    }

    fn get(&self, path: &str) -> Result<Option<String>> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| self.transport(&url, &e))?;
        self.read(&url, resp)
    }

    /// Ask the API about every query it can answer (an ecosystem it knows and a version).
    pub fn query(&self, queries: &[Query]) -> Result<OnlineResults> {
        let askable: Vec<(usize, serde_json::Value)> = queries
            .iter()
            .enumerate()
            .filter_map(|(i, q)| {
                let eco = q.ecosystem.as_ref()?;
                if matches!(eco, Ecosystem::HuggingFace | Ecosystem::ModelFormat) {
                    return None;
                }
                let v = q.version.as_ref()?;
                Some((
                    i,
                    json!({"package": {"name": q.name, "ecosystem": eco.as_str()}, "version": v}),
                ))
            })
            .collect();
        let mut claims = Claims::new();
        let mut requests = 0u64;
        let url = format!("{}/v1/querybatch", self.base);
        for chunk in askable.chunks(BATCH) {
            let body = json!({"queries": chunk.iter().map(|(_, q)| q).collect::<Vec<_>>()});
            let text = self.post("/v1/querybatch", &body)?;
            requests += 1;
            let resp: BatchResponse = serde_json::from_str(&text)
                .map_err(|e| self.err(&url, format!("not a querybatch response: {e}")))?;
            if resp.results.len() != chunk.len() {
                return Err(self.err(
                    &url,
                    format!("{} results for {} queries", resp.results.len(), chunk.len()),
                ));
            }
            for ((qi, q), r) in chunk.iter().zip(resp.results) {
                for v in r.vulns {
                    claims.insert((*qi, v.id));
                }
                // Further pages of this one package.
                let mut token = r.next_page_token;
                let mut pages = 0;
                while let Some(t) = token.filter(|t| !t.is_empty()) {
                    pages += 1;
                    if pages > MAX_PAGES {
                        break;
                    }
                    let mut one = q.clone();
                    if let Some(obj) = one.as_object_mut() {
                        obj.insert("page_token".into(), json!(t));
                    }
                    let text = self.post("/v1/querybatch", &json!({"queries": [one]}))?;
                    requests += 1;
                    let resp: BatchResponse = serde_json::from_str(&text)
                        .map_err(|e| self.err(&url, format!("not a querybatch response: {e}")))?;
                    let r = resp.results.into_iter().next().unwrap_or_default();
                    for v in r.vulns {
                        claims.insert((*qi, v.id));
                    }
                    token = r.next_page_token;
                }
            }
        }
        let ids: Vec<String> = claims
            .iter()
            .map(|(_, id)| id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let fetched = self.fetch_all(&ids)?;
        requests += ids.len() as u64;
        Ok(OnlineResults {
            index: MemoryIndex::new(fetched),
            claims,
            requests,
        })
    }

    /// `GET /v1/vulns/{id}` for each id, a few at a time.
    pub fn fetch_all(&self, ids: &[String]) -> Result<Vec<Advisory>> {
        let results: std::sync::Mutex<HashMap<String, Result<Option<Advisory>>>> =
            std::sync::Mutex::new(HashMap::new());
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..WORKERS.min(ids.len()) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(id) = ids.get(i) else { break };
                        let r = self.fetch(id);
                        if let Ok(mut m) = results.lock() {
                            m.insert(id.clone(), r);
                        }
                    }
                });
            }
        });
        let mut map = results.into_inner().unwrap_or_default();
        let mut out = Vec::new();
        for id in ids {
            match map.remove(id) {
                Some(Ok(Some(a))) => out.push(a),
                Some(Ok(None)) | None => {}
                Some(Err(e)) => return Err(e),
            }
        }
        Ok(out)
    }

    /// One full record; `None` when the API does not know the id.
    pub fn fetch(&self, id: &str) -> Result<Option<Advisory>> {
        let path = format!("/v1/vulns/{}", encode_segment(id));
        let Some(text) = self.get(&path)? else {
            return Ok(None);
        };
        let origin = format!("{}{path}", self.base);
        Advisory::parse(text.as_bytes(), crate::advisory::Encoding::Json, &origin).map(Some)
    }
}

/// Percent-encode a path segment (ids are `[A-Za-z0-9-._:]` in practice).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("GHSA-abcd-1234"), "GHSA-abcd-1234");
        assert_eq!(encode_segment("a/../b c"), "a%2F..%2Fb%20c");
    }

    #[test]
    fn unreachable_server_is_a_clear_error() {
        // Port 9 on loopback: nothing listens there in a test environment.
        let c = OsvClient::new("http://127.0.0.1:9");
        let q = Query {
            ecosystem: Some(Ecosystem::PyPI),
            name: "django".into(),
            version: Some("3.2.1".into()),
            sha256: vec![],
            format: None,
            locations: vec![],
        };
        let msg = c
            .query(&[q])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.starts_with("OSV API at http://127.0.0.1:9/v1/querybatch: cannot reach the server"),
            "{msg}"
        );
        assert!(msg.contains("without --online"), "{msg}");
    }
}
