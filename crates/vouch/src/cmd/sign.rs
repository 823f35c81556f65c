//! `vouch sign`, `vouch verify` and `vouch attest`: OpenSSF model signing (interoperable with the Python
//! `model-signing` tool) and SLSA provenance. All logic lives in `vouch-sign`; this module parses flags, reads
//! files, draws the progress bar, writes outputs atomically and maps results to exit codes (0 ok, 1 verification
//! failed, 2 usage / I/O / malformed input).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vouch_sign::attest::{
    self, Artifact, ChainInput, DatasetInfo, Material, MaterialCheck, TrainingRun,
};
use vouch_sign::sigstore::{SigstorePolicy, TrustedRoot};
use vouch_sign::{
    Cert, HashAlg, HashOptions, PublicKey, Serialization, Signer, Verifier, VerifyError,
    VerifyOptions, hash_model, model_name, path_inside_model,
};

const SIGN_EXAMPLES: &str = "\
Examples:
  vouch sign ./model --key key.pem --signature model.sig
      sign every file of ./model (SHA-256, root .git* paths ignored) with an EC key
  vouch sign ./model --key leaf.key.pem --certificate leaf.pem --cert-chain intermediate.pem --signature model.sig
      certificate method: the bundle carries [leaf, intermediates]
  vouch sign ./model --key key.pem --signature model.sig --shard-size 1GB --hash sha256
      shard serialization: big files are hashed in parallel, 1 GB at a time
  vouch sign ./model --key key.pem --signature ./model/model.sig --ignore-paths logs
      the signature inside the model and logs/ are left out (recorded in the signature)

Key: EC P-256, P-384 or P-521 (PEM, SEC1 or PKCS#8), e.g.
  openssl ecparam -name prime256v1 -genkey -noout -out key.pem && openssl ec -in key.pem -pubout -out pub.pem
The signature is a Sigstore bundle that `model_signing verify` (Python, model-signing 1.1) accepts.";

const VERIFY_EXAMPLES: &str = "\
Examples:
  vouch verify ./model --signature model.sig --public-key pub.pem
  vouch verify ./model --signature model.sig --cert-chain root-ca.pem
  vouch verify ./model --signature model.sig --trusted-root trusted_root.json \\
      --identity alice@example.com --issuer https://accounts.google.com
  vouch verify ./model --signature model.sig --public-key pub.pem \\
      --attestation provenance.json --attestation train-data.json \\
      --artifact dataset:train=./data/train --artifact config=train.yaml --artifact code=./repo

The model is hashed again with the serialization recorded in the signature (files or shards, sha256, blake2b or
blake3, shard size) and its ignore_paths. Exit 0: verified; 1: verification failed (stderr says exactly what
differs: files added/removed/modified, wrong key, bad signature, untrusted certificate, wrong identity, broken
attestation link); 2: usage, I/O or malformed input.";

const ATTEST_EXAMPLES: &str = "\
Examples:
  vouch attest provenance ./model --key trainer.pem --output provenance.json \\
      --builder-id https://ci.example.com/train@v1 --dataset train=./data/train --dataset eval=./data/eval.parquet \\
      --base-model ./llama-base --code ./repo --code-repo https://github.com/org/train --config train.yaml \\
      --param epochs=3 --param lr=0.0001
  vouch attest dataset ./data/train --key curator.pem --name train --license CC-BY-4.0 --output train-data.json

Attestations are in-toto v1 statements in DSSE envelopes, written as Sigstore bundles (the same container as
model signatures). Check them with `vouch verify MODEL ... --attestation FILE --artifact NAME=PATH`.";

/// Content hash for `--hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HashArg {
    /// SHA-256 (the default; what the Python CLI uses).
    Sha256,
    /// BLAKE3 (faster; verifiable by the Python API, not its CLI).
    Blake3,
    /// BLAKE2b-512.
    Blake2b,
}

impl From<HashArg> for HashAlg {
    fn from(h: HashArg) -> Self {
        match h {
            HashArg::Sha256 => HashAlg::Sha256,
            HashArg::Blake3 => HashAlg::Blake3,
            HashArg::Blake2b => HashAlg::Blake2b,
        }
    }
}

/// The signing key, and optionally its certificate chain.
#[derive(clap::Args, Debug)]
pub struct KeyArgs {
    /// EC private key, PEM (SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`; P-256, P-384 or P-521).
    #[arg(long, value_name = "PRIVATE.pem")]
    pub key: PathBuf,

    /// Signing certificate (PEM) holding the key's public key: sign with the certificate method.
    #[arg(long, value_name = "LEAF.pem")]
    pub certificate: Option<PathBuf>,

    /// Certificates to place after the leaf (intermediates), in file order; repeatable.
    #[arg(
        long = "cert-chain",
        value_name = "CHAIN.pem",
        requires = "certificate"
    )]
    pub cert_chain: Vec<PathBuf>,
}

/// Serialization options shared by sign and attest.
#[derive(clap::Args, Debug)]
pub struct WalkArgs {
    /// Paths to leave out, relative to the model directory (their subtrees too); recorded in the signature.
    #[arg(long = "ignore-paths", value_name = "PATH", num_args = 1..)]
    pub ignore_paths: Vec<PathBuf>,

    /// Sign the root-level .git, .gitattributes, .github and .gitignore too (ignored by default).
    #[arg(long)]
    pub no_ignore_git_paths: bool,

    /// Follow symlinks to files (hashing the target's content); refused by default.
    #[arg(long)]
    pub allow_symlinks: bool,
}

/// Sign a model (directory or file) in the OpenSSF model-signing format.
#[derive(clap::Args, Debug)]
#[command(after_help = SIGN_EXAMPLES)]
pub struct SignArgs {
    /// The model: a directory or a single file.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    #[command(flatten)]
    pub key: KeyArgs,

    /// Where to write the signature (a Sigstore bundle, JSON); written atomically.
    #[arg(long, value_name = "OUT.sig")]
    pub signature: PathBuf,

    /// Content hash.
    #[arg(long, value_enum, default_value_t = HashArg::Sha256)]
    pub hash: HashArg,

    /// Sign shards of this many bytes instead of whole files (e.g. 1000000000, 1GB, 256MiB).
    #[arg(long, value_name = "N", value_parser = parse_size)]
    pub shard_size: Option<u64>,

    #[command(flatten)]
    pub walk: WalkArgs,
}

/// Verify a model against a model-signing signature, and optionally its provenance chain.
#[derive(clap::Args, Debug)]
#[command(after_help = VERIFY_EXAMPLES)]
#[command(group = clap::ArgGroup::new("trust").required(true).multiple(false).args(["public_key", "cert_chain", "trusted_root"]))]
pub struct VerifyArgs {
    /// The model: a directory or a single file.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    /// The signature (Sigstore bundle) to check.
    #[arg(long, value_name = "SIG")]
    pub signature: PathBuf,

    /// Trust this EC public key (PEM SubjectPublicKeyInfo).
    #[arg(long, value_name = "PUB.pem")]
    pub public_key: Option<PathBuf>,

    /// Trust these root certificates (PEM; repeatable): the bundle's chain must end at one of them.
    #[arg(long = "cert-chain", value_name = "ROOTS.pem")]
    pub cert_chain: Vec<PathBuf>,

    /// Sigstore keyless: the trust root (trusted_root.json with Fulcio CAs and Rekor keys), checked offline.
    #[arg(long, value_name = "trusted_root.json", requires_all = ["identity", "issuer"])]
    pub trusted_root: Option<PathBuf>,

    /// Sigstore keyless: the signer identity the certificate must name (email or URI, exact match).
    #[arg(long, value_name = "ID", requires = "trusted_root")]
    pub identity: Option<String>,

    /// Sigstore keyless: the OIDC issuer the certificate must name (exact match).
    #[arg(long, value_name = "ISSUER", requires = "trusted_root")]
    pub issuer: Option<String>,

    /// Extra paths to ignore, relative to the model directory (besides those recorded in the signature).
    #[arg(long = "ignore-paths", value_name = "PATH", num_args = 1..)]
    pub ignore_paths: Vec<PathBuf>,

    /// Do not ignore root-level git paths (they are ignored by default unless the signature covers them).
    #[arg(long)]
    pub no_ignore_git_paths: bool,

    /// Follow symlinks even if the signature was made without them.
    #[arg(long)]
    pub allow_symlinks: bool,

    /// An attestation to check (SLSA provenance or dataset; Sigstore bundle or DSSE envelope); repeatable.
    #[arg(long, value_name = "FILE")]
    pub attestation: Vec<PathBuf>,

    /// A local artifact for a provenance material: NAME=PATH (dataset:NAME, base-model, config, code=CHECKOUT or
    /// code=COMMIT); repeatable.
    #[arg(long, value_name = "NAME=PATH", value_parser = parse_pair, requires = "attestation")]
    pub artifact: Vec<(String, String)>,

    /// Another public key trusted to sign attestations (the trainer's); repeatable.
    #[arg(long, value_name = "PUB.pem", requires = "attestation")]
    pub attestation_key: Vec<PathBuf>,

    /// Require the provenance to come from this builder id.
    #[arg(long, value_name = "URI", requires = "attestation")]
    pub builder_id: Option<String>,

    /// Print the result as JSON on stdout (schema vouch.verify/v1).
    #[arg(long)]
    pub json: bool,
}

/// Create DSSE-signed in-toto attestations: SLSA provenance for a training run, or a dataset attestation.
#[derive(clap::Args, Debug)]
#[command(after_help = ATTEST_EXAMPLES)]
pub struct AttestArgs {
    #[command(subcommand)]
    pub kind: AttestKind,
}

/// What to attest.
#[derive(clap::Subcommand, Debug)]
pub enum AttestKind {
    /// SLSA provenance v1 for the training run that produced MODEL.
    Provenance(Box<ProvenanceArgs>),
    /// A dataset attestation (the dataset's digest, name, source and license).
    Dataset(Box<DatasetArgs>),
}

/// `vouch attest provenance`.
#[derive(clap::Args, Debug)]
#[command(after_help = ATTEST_EXAMPLES)]
pub struct ProvenanceArgs {
    /// The trained model (directory or file); its vouch digest becomes the subject.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    #[command(flatten)]
    pub key: KeyArgs,

    /// Where to write the attestation (Sigstore bundle JSON); written atomically.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,

    /// The builder (trainer / CI job) identity, a URI.
    #[arg(long, value_name = "URI")]
    pub builder_id: String,

    /// A training dataset: NAME=PATH (file or directory); repeatable. Becomes material dataset:NAME.
    #[arg(long, value_name = "NAME=PATH", value_parser = parse_pair)]
    pub dataset: Vec<(String, String)>,

    /// Where a dataset came from: NAME=URI; repeatable.
    #[arg(long, value_name = "NAME=URI", value_parser = parse_pair)]
    pub dataset_uri: Vec<(String, String)>,

    /// The base model fine-tuned from (file or directory).
    #[arg(long, value_name = "PATH")]
    pub base_model: Option<PathBuf>,

    /// Where the base model came from (URI).
    #[arg(long, value_name = "URI", requires = "base_model")]
    pub base_model_uri: Option<String>,

    /// The training code checkout; its commit is read from .git/HEAD.
    #[arg(long, value_name = "CHECKOUT", conflicts_with = "code_commit")]
    pub code: Option<PathBuf>,

    /// The training code repository URL.
    #[arg(long, value_name = "URL")]
    pub code_repo: Option<String>,

    /// The training code commit (instead of --code).
    #[arg(long, value_name = "SHA", requires = "code_repo")]
    pub code_commit: Option<String>,

    /// The training configuration file.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// A run parameter KEY=VALUE (VALUE parsed as JSON when it is JSON, else a string); repeatable.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub param: Vec<(String, String)>,

    /// The run's invocation id.
    #[arg(long, value_name = "ID")]
    pub invocation_id: Option<String>,

    /// When the run started (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub started_on: Option<String>,

    /// When the run finished (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub finished_on: Option<String>,

    /// Paths of MODEL to leave out of its digest (relative to MODEL), e.g. a signature stored inside it.
    #[arg(long = "ignore-paths", value_name = "PATH", num_args = 1..)]
    pub ignore_paths: Vec<PathBuf>,
}

/// `vouch attest dataset`.
#[derive(clap::Args, Debug)]
#[command(after_help = ATTEST_EXAMPLES)]
pub struct DatasetArgs {
    /// The dataset (file or directory).
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,

    #[command(flatten)]
    pub key: KeyArgs,

    /// Where to write the attestation (Sigstore bundle JSON); written atomically.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,

    /// Dataset name (the provenance material is dataset:NAME) [default: the file or directory name].
    #[arg(long)]
    pub name: Option<String>,

    /// Where the dataset came from.
    #[arg(long, value_name = "URI")]
    pub uri: Option<String>,

    /// SPDX license expression.
    #[arg(long, value_name = "SPDX")]
    pub license: Option<String>,

    /// Free-text description.
    #[arg(long)]
    pub description: Option<String>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// Parses a byte count: digits with an optional K/M/G/T (powers of 1000) or KiB/MiB/GiB/TiB suffix, B optional.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("not a size: {s:?} (e.g. 1000000, 1GB, 256MiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?} in {s:?}")),
    };
    match n.checked_mul(mult) {
        Some(0) => Err("the size must be at least 1 byte".into()),
        Some(v) => Ok(v),
        None => Err(format!("size {s:?} is too large")),
    }
}

fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

/// Model-relative ignore paths: relative paths as given; absolute ones must lie inside the model.
fn model_relative(model: &Path, paths: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    paths
        .iter()
        .map(|p| {
            if p.is_absolute() {
                path_inside_model(model, p).with_context(|| {
                    format!(
                        "--ignore-paths {}: not inside the model {}",
                        p.display(),
                        model.display()
                    )
                })
            } else {
                p.to_str()
                    .map(str::to_owned)
                    .with_context(|| format!("--ignore-paths {}: not valid UTF-8", p.display()))
            }
        })
        .collect()
}

fn signer(args: &KeyArgs) -> anyhow::Result<Signer> {
    let signer = Signer::from_pem(&read_text(&args.key, "private key")?)
        .with_context(|| format!("cannot use the private key {}", args.key.display()))?;
    match &args.certificate {
        None => Ok(signer),
        Some(cert) => {
            let chain = args
                .cert_chain
                .iter()
                .map(|p| read_text(p, "certificate chain"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            signer
                .with_certificates(&read_text(cert, "signing certificate")?, &chain)
                .with_context(|| format!("cannot sign with the certificate {}", cert.display()))
        }
    }
}

/// Writes bytes to `path` atomically (temporary file in the same directory, then rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
        format!(
            "cannot create a file in {} (does the directory exist?)",
            dir.display()
        )
    })?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A progress bar on stderr for hashing, shown only on a terminal and only for models over 256 MiB.
struct Bar(ProgressBar);

impl Bar {
    fn new(verb: &'static str) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(verb);
        Bar(bar)
    }
}

impl vouch_sign::Progress for Bar {
    fn start(&self, total_bytes: u64, _files: usize) {
        self.0.set_length(total_bytes);
        if total_bytes >= 256 << 20 && std::io::stderr().is_terminal() {
            self.0.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `vouch sign`.
pub fn run_sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let signer = signer(&args.key)?;
    let hash = HashAlg::from(args.hash);
    let serialization = match args.shard_size {
        None => Serialization::Files { hash },
        Some(shard_size) => Serialization::Shards { hash, shard_size },
    };
    if matches!(
        serialization,
        Serialization::Shards {
            hash: HashAlg::Blake3 | HashAlg::Blake2b,
            ..
        }
    ) {
        eprintln!(
            "note: the Python model-signing tool cannot verify {hash} shard signatures (vouch can)"
        );
    }
    let mut ignore = model_relative(&args.model, &args.walk.ignore_paths)?;
    ignore.extend(path_inside_model(&args.model, &args.signature));
    let bar = Bar::new("hashing");
    let opts = HashOptions {
        serialization,
        ignore_paths: &ignore,
        ignore_git_paths: !args.walk.no_ignore_git_paths,
        allow_symlinks: args.walk.allow_symlinks,
        progress: Some(&bar),
    };
    let manifest = hash_model(&args.model, &opts)
        .with_context(|| format!("cannot hash {}", args.model.display()))?;
    drop(bar);
    let bundle = signer
        .sign_manifest(&manifest, &model_name(&args.model))
        .to_json();
    if bundle.len() > vouch_sign::bundle::MAX_BUNDLE_BYTES {
        bail!(
            "the signature would be {} bytes ({} items), more than verifiers accept ({} bytes); use a larger --shard-size",
            bundle.len(),
            manifest.items.len(),
            vouch_sign::bundle::MAX_BUNDLE_BYTES
        );
    }
    write_atomic(&args.signature, &bundle)?;
    let files = manifest
        .items
        .iter()
        .map(|i| i.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    eprintln!(
        "signed {} ({files} files, {}, {}) -> {}\nroot digest sha256:{}",
        args.model.display(),
        human_bytes(manifest.total_bytes),
        manifest.serialization,
        args.signature.display(),
        hex(&manifest.root_digest()),
    );
    Ok(ExitCode::SUCCESS)
}

fn verifier_for(args: &VerifyArgs) -> anyhow::Result<Verifier> {
    if let Some(pk) = &args.public_key {
        let key = PublicKey::from_pem(&read_text(pk, "public key")?)
            .with_context(|| format!("cannot use the public key {}", pk.display()))?;
        return Ok(Verifier::PublicKey(key));
    }
    if let Some(tr) = &args.trusted_root {
        let bytes = std::fs::read(tr)
            .with_context(|| format!("cannot read the trusted root {}", tr.display()))?;
        let trusted_root = TrustedRoot::from_json(&bytes)
            .with_context(|| format!("cannot use the trusted root {}", tr.display()))?;
        return Ok(Verifier::Sigstore(Box::new(SigstorePolicy {
            trusted_root,
            identity: args.identity.clone().unwrap_or_default(),
            issuer: args.issuer.clone().unwrap_or_default(),
        })));
    }
    let mut roots = Vec::new();
    for path in &args.cert_chain {
        let certs = Cert::all_from_pem(
            &read_text(path, "trusted roots")?,
            &path.display().to_string(),
        )?;
        if certs.is_empty() {
            bail!("{} holds no CERTIFICATE PEM block", path.display());
        }
        roots.extend(certs);
    }
    Ok(Verifier::Certificates(roots))
}

/// Prints a verification failure and returns exit code 1.
fn failed(
    args: &VerifyArgs,
    what: &str,
    detail: &str,
    lines: &[(String, Vec<String>)],
) -> ExitCode {
    if args.json {
        let mut diff = serde_json::Map::new();
        for (k, v) in lines {
            diff.insert(k.clone(), v.clone().into());
        }
        let doc = serde_json::json!({
            "schema": "vouch.verify/v1",
            "verified": false,
            "model": args.model.display().to_string(),
            "failure": what,
            "message": detail,
            "diff": diff,
        });
        println!("{doc}");
    }
    eprintln!("verification FAILED for {}: {detail}", args.model.display());
    for (kind, names) in lines {
        for n in names {
            eprintln!("  {kind:<9} {n}");
        }
    }
    ExitCode::from(1)
}

fn failure_kind(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::Bundle(_) => "malformed-signature",
        VerifyError::WrongKey { .. } => "wrong-key",
        VerifyError::BadSignature(_) => "bad-signature",
        VerifyError::MaterialKind(_) => "wrong-verification-method",
        VerifyError::Chain(_) => "untrusted-certificate",
        VerifyError::Sigstore(_) => "sigstore",
        VerifyError::PayloadType { .. } | VerifyError::Statement(_) => "invalid-statement",
        VerifyError::Mismatch { .. } => "model-mismatch",
        VerifyError::Hash(_) => "unreadable-model",
    }
}

/// `vouch verify`.
pub fn run_verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let verifier = verifier_for(&args)?;
    let bundle = std::fs::read(&args.signature)
        .with_context(|| format!("cannot read the signature {}", args.signature.display()))?;
    let ignore = model_relative(&args.model, &args.ignore_paths)?;
    let bar = Bar::new("verifying");
    let opts = VerifyOptions {
        ignore_paths: &ignore,
        ignore_git_paths: !args.no_ignore_git_paths,
        allow_symlinks: args.allow_symlinks,
        signature_path: Some(&args.signature),
        progress: Some(&bar),
    };
    let result = vouch_sign::verify_model(&args.model, &bundle, &verifier, &opts);
    drop(bar);
    let verified = match result {
        Ok(v) => v,
        Err(e) if e.is_verification_failure() => {
            let lines = match &e {
                VerifyError::Mismatch { diff } => vec![
                    ("modified".to_owned(), diff.modified.clone()),
                    ("added".to_owned(), diff.added.clone()),
                    ("removed".to_owned(), diff.removed.clone()),
                ],
                _ => Vec::new(),
            };
            let detail = match &e {
                VerifyError::Mismatch { .. } => "the model differs from what was signed".to_owned(),
                other => other.to_string(),
            };
            return Ok(failed(&args, failure_kind(&e), &detail, &lines));
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)).with_context(|| {
                format!(
                    "cannot verify {} against {}",
                    args.model.display(),
                    args.signature.display()
                )
            });
        }
    };

    let mut chain_json = serde_json::Value::Null;
    let mut chain_lines = Vec::new();
    if !args.attestation.is_empty() {
        let mut attestations = Vec::new();
        for path in &args.attestation {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the attestation {}", path.display()))?;
            attestations.push((path.display().to_string(), bytes));
        }
        let mut verifiers = vec![verifier];
        for path in &args.attestation_key {
            let key = PublicKey::from_pem(&read_text(path, "attestation key")?)
                .with_context(|| format!("cannot use the attestation key {}", path.display()))?;
            verifiers.push(Verifier::PublicKey(key));
        }
        let artifacts: Vec<(String, Artifact)> = args
            .artifact
            .iter()
            .map(|(name, value)| {
                let is_commit = name == attest::CODE
                    && !Path::new(value).exists()
                    && value.len() >= 7
                    && value.bytes().all(|b| b.is_ascii_hexdigit());
                let artifact = if is_commit {
                    Artifact::Commit(value.clone())
                } else {
                    Artifact::Path(PathBuf::from(value))
                };
                (name.clone(), artifact)
            })
            .collect();
        // The model's vouch digest: the signed root digest, and for other serializations the files/sha256 one.
        let mut digests = vec![verified.statement.root_digest];
        if verified.statement.serialization
            != (Serialization::Files {
                hash: HashAlg::Sha256,
            })
        {
            let mut ig = verified.statement.ignore_paths.clone();
            ig.extend(ignore.iter().cloned());
            ig.extend(path_inside_model(&args.model, &args.signature));
            let d = attest::artifact_digest(&args.model, &ig)
                .with_context(|| format!("cannot hash {}", args.model.display()))?;
            digests.push(d.root);
        }
        let input = ChainInput {
            model_digests: &digests,
            attestations: &attestations,
            verifiers: &verifiers,
            artifacts: &artifacts,
            builder_id: args.builder_id.as_deref(),
        };
        match attest::verify_chain(&input) {
            Ok(report) => {
                chain_lines.push(format!(
                    "provenance {} (builder {}, signed by {})",
                    report.provenance_file, report.builder_id, report.signer
                ));
                let mut materials = serde_json::Map::new();
                for (name, check) in &report.materials {
                    let (status, line) = match check {
                        MaterialCheck::Artifact(a) => {
                            ("matched", format!("material {name}: matches {a}"))
                        }
                        MaterialCheck::Attested(f) => {
                            ("attested", format!("material {name}: attested by {f}"))
                        }
                        MaterialCheck::Unchecked => (
                            "unchecked",
                            format!("material {name}: not checked (no --artifact)"),
                        ),
                    };
                    materials.insert(name.clone(), status.into());
                    chain_lines.push(line);
                }
                chain_json = serde_json::json!({
                    "provenance": report.provenance_file,
                    "builder_id": report.builder_id,
                    "signer": report.signer.to_string(),
                    "materials": materials,
                });
            }
            Err(e) => {
                let lines = Vec::new();
                return Ok(failed(
                    &args,
                    "attestation-chain",
                    &format!("broken attestation chain: {e}"),
                    &lines,
                ));
            }
        }
    }

    let files = verified
        .manifest
        .items
        .iter()
        .map(|i| i.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if args.json {
        let doc = serde_json::json!({
            "schema": "vouch.verify/v1",
            "verified": true,
            "model": args.model.display().to_string(),
            "signer": verified.signer.to_string(),
            "serialization": verified.statement.serialization.to_string(),
            "root_digest": hex(&verified.statement.root_digest),
            "files": files,
            "ignored_paths": verified.statement.ignore_paths,
            "attestations": chain_json,
        });
        println!("{doc}");
    } else {
        println!(
            "verified {}: {files} files ({}, {}) signed by {}",
            args.model.display(),
            human_bytes(verified.manifest.total_bytes),
            verified.statement.serialization,
            verified.signer
        );
        if !verified.statement.ignore_paths.is_empty() {
            println!(
                "ignored as the signature says: {}",
                verified.statement.ignore_paths.join(", ")
            );
        }
        for line in chain_lines {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `vouch attest`.
pub fn run_attest(args: AttestArgs) -> anyhow::Result<ExitCode> {
    match args.kind {
        AttestKind::Provenance(a) => attest_provenance(*a),
        AttestKind::Dataset(a) => attest_dataset(*a),
    }
}

fn material(name: &str, path: &Path, uri: Option<String>) -> anyhow::Result<Material> {
    Material::from_path(name, path, uri)
        .with_context(|| format!("cannot hash {name} at {}", path.display()))
}

fn attest_provenance(a: ProvenanceArgs) -> anyhow::Result<ExitCode> {
    let signer = signer(&a.key)?;
    let mut ignore = model_relative(&a.model, &a.ignore_paths)?;
    ignore.extend(path_inside_model(&a.model, &a.output));
    let digest = attest::artifact_digest(&a.model, &ignore)
        .with_context(|| format!("cannot hash {}", a.model.display()))?;
    let uris: BTreeMap<&str, &str> = a
        .dataset_uri
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut materials = Vec::new();
    for (name, path) in &a.dataset {
        let uri = uris.get(name.as_str()).map(|s| (*s).to_owned());
        materials.push(material(
            &format!("{}{name}", attest::DATASET_PREFIX),
            Path::new(path),
            uri,
        )?);
    }
    if let Some(unknown) = uris
        .keys()
        .find(|k| !a.dataset.iter().any(|(n, _)| n == *k))
    {
        bail!("--dataset-uri {unknown}=...: no --dataset {unknown}=PATH given");
    }
    if let Some(base) = &a.base_model {
        materials.push(material(
            attest::BASE_MODEL,
            base,
            a.base_model_uri.clone(),
        )?);
    }
    match (&a.code, &a.code_commit) {
        (Some(checkout), _) => {
            let commit = attest::git_head(checkout).with_context(|| {
                format!("cannot read the commit of {} (.git/HEAD); pass --code-repo URL --code-commit SHA", checkout.display())
            })?;
            let repo = a
                .code_repo
                .clone()
                .unwrap_or_else(|| checkout.display().to_string());
            materials.push(Material::code(&repo, &commit));
        }
        (None, Some(commit)) => materials.push(Material::code(
            a.code_repo.as_deref().unwrap_or_default(),
            commit,
        )),
        (None, None) if a.code_repo.is_some() => {
            bail!("--code-repo needs --code CHECKOUT or --code-commit SHA")
        }
        (None, None) => {}
    }
    if let Some(config) = &a.config {
        materials.push(material(attest::CONFIG, config, None)?);
    }
    let parameters = a
        .param
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.clone())),
            )
        })
        .collect();
    let run = TrainingRun {
        builder_id: a.builder_id.clone(),
        materials,
        parameters,
        invocation_id: a.invocation_id.clone(),
        started_on: a.started_on.clone(),
        finished_on: a.finished_on.clone(),
    };
    let statement = attest::provenance(&model_name(&a.model), &digest.root, &run);
    write_atomic(
        &a.output,
        &signer.sign_statement(statement.to_json()).to_json(),
    )?;
    eprintln!(
        "attested {} (sha256:{}) built by {} from {} materials -> {}",
        a.model.display(),
        hex(&digest.root),
        a.builder_id,
        run.materials.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn attest_dataset(a: DatasetArgs) -> anyhow::Result<ExitCode> {
    let signer = signer(&a.key)?;
    let digest = attest::artifact_digest(&a.dataset, &[])
        .with_context(|| format!("cannot hash {}", a.dataset.display()))?;
    let name = a.name.clone().unwrap_or_else(|| model_name(&a.dataset));
    let info = DatasetInfo {
        name: name.clone(),
        uri: a.uri.clone(),
        license: a.license.clone(),
        description: a.description.clone(),
    };
    write_atomic(
        &a.output,
        &signer
            .sign_statement(attest::dataset(&info, &digest.root).to_json())
            .to_json(),
    )?;
    eprintln!(
        "attested dataset {name} ({}, sha256:{}) -> {}",
        a.dataset.display(),
        hex(&digest.root),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1 g"), Ok(1_000_000_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1XB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn pairs() {
        assert_eq!(parse_pair("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_pair("=x").is_err());
        assert!(parse_pair("x").is_err());
    }
}
