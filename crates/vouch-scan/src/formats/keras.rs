//! Judging Keras models: `.keras` archives (recognised among zips by their layout) and HDF5
//! files (legacy `.h5` models carry their config in the `model_config` attribute).
//!
//! A `.keras` file is a zip, and the engine's generic zip pass (archive issues, pickles or
//! nested archives among the members) must still run on it. The zip is opened through a
//! shared handle: the Keras members are read here, then the same bytes go back to the engine
//! with a guard so that this module does not claim them a second time.

use super::{clip, put_metadata};
use crate::engine::{Ctx, Hint, scan_reader};
use crate::rules;
use serde_json::{Map, Value, json};
use std::cell::Cell;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};
use vouch_archive::{Archive, ContainerKind, EntryKind, ReadSeek};
use vouch_keras::config::ConfigFacts;
use vouch_keras::hdf5::{self, H5Facts};

/// Modules whose functions reach the OS, the interpreter or the network: importing a class
/// or function from them is never part of a model.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtin__",
    "shutil",
    "sys",
    "importlib",
    "runpy",
    "pickle",
    "marshal",
    "socket",
    "urllib",
    "requests",
    "http",
    "code",
    "codeop",
    "pty",
    "ctypes",
    "webbrowser",
    "commands",
    "popen2",
    "pdb",
    "timeit",
    "multiprocessing",
    "asyncio",
    "dill",
    "cloudpickle",
    "joblib",
];

/// Classes and functions named by the 2024 and 2025 `safe_mode` bypass advisories.
const BYPASS_NAMES: &[(&str, &str)] = &[
    (
        "TorchModuleWrapper",
        "deserializes a pickled torch module (torch.load) whatever safe_mode says",
    ),
    (
        "enable_unsafe_deserialization",
        "turns safe_mode off for everything loaded after it",
    ),
    (
        "get_file",
        "downloads a file from any URL to any path while the model loads",
    ),
    (
        "load_model",
        "loads another model (and its code) while this one loads",
    ),
    ("exec", "executes Python source"),
    ("eval", "evaluates Python source"),
];

/// Names in lambda bytecode that reach the OS or the interpreter.
const DANGEROUS_CODE_NAMES: &[&str] = &[
    "__import__",
    "eval",
    "exec",
    "compile",
    "os",
    "system",
    "popen",
    "subprocess",
    "Popen",
    "check_output",
    "check_call",
    "getattr",
    "globals",
    "builtins",
    "__builtins__",
    "importlib",
    "import_module",
    "socket",
    "urllib",
    "urlopen",
    "requests",
    "pickle",
    "marshal",
    "shutil",
    "rmtree",
    "execve",
    "execv",
    "spawnv",
    "pty",
    "ctypes",
    "open",
    "__globals__",
    "__code__",
    "__subclasses__",
    "environ",
    "getenv",
    "remove",
    "unlink",
];

thread_local! {
    /// The depth at which a `.keras` archive is being handed back to the engine.
    static HANDING_BACK: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Whether the stream at `depth` is a `.keras` zip being handed back to the engine.
pub(crate) fn handing_back(depth: usize) -> bool {
    HANDING_BACK.with(Cell::get) == Some(depth)
}

/// A handle on a reader shared by several owners, each with its own position.
struct Shared {
    inner: Arc<Mutex<Box<dyn ReadSeek>>>,
    pos: u64,
}

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut r = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        r.seek(SeekFrom::Start(self.pos))?;
        let n = r.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Shared {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let mut r = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        r.seek(SeekFrom::Start(self.pos))?;
        self.pos = r.seek(pos)?;
        Ok(self.pos)
    }
}

/// A window `[start, start+len)` of a reader, seen as a stream of its own.
struct Window<R> {
    inner: R,
    start: u64,
    len: u64,
    pos: u64,
}

impl<R: Read + Seek> Read for Window<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let Some(slot) = buf.get_mut(..n) else {
            return Ok(0);
        };
        self.inner.seek(SeekFrom::Start(self.start + self.pos))?;
        let got = self.inner.read(slot)?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl<R: Read + Seek> Seek for Window<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = new.ok_or_else(|| std::io::Error::other("seek out of range"))?;
        Ok(self.pos)
    }
}

/// Weights files up to this size inside a compressed member are decoded into memory.
const MAX_WEIGHTS_IN_MEMORY: u64 = 256 << 20;

/// A zip that may be a `.keras` archive. Returns `Some("keras")` when it is (the reader has
/// then been consumed), `None` with the reader untouched at offset 0 otherwise.
pub(crate) fn scan_archive(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
    depth: usize,
) -> Option<String> {
    let taken = std::mem::replace(r, Box::new(Cursor::new(Vec::new())));
    let shared = Arc::new(Mutex::new(taken));
    let handle = || Shared {
        inner: Arc::clone(&shared),
        pos: 0,
    };
    let limits = *ctx.limits();
    let archive = Archive::open(ContainerKind::Zip, Box::new(handle()), &limits);
    let keras = archive.as_ref().is_ok_and(|a| {
        vouch_keras::is_keras_archive(
            a.entries()
                .iter()
                .filter(|e| e.kind == EntryKind::File)
                .map(|e| e.name.as_str()),
        )
    });
    let Ok(mut archive) = archive.map_err(drop) else {
        give_back(r, shared);
        return None;
    };
    if !keras {
        drop(archive);
        give_back(r, shared);
        return None;
    }
    let mut meta = Map::new();
    meta.insert("format".into(), "keras".into());
    let find = |a: &Archive, name: &str| {
        a.entries()
            .iter()
            .find(|e| e.name == name && e.kind == EntryKind::File && !e.encrypted)
            .cloned()
    };
    let at = |name: &str| match member {
        Some(m) => format!("{m}!/{name}"),
        None => name.to_owned(),
    };
    if let Some(e) = find(&archive, "metadata.json")
        && let Ok(d) = archive.read(e.index, 1 << 20)
        && let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&d.bytes)
    {
        for k in ["keras_version", "date_saved"] {
            if let Some(v) = m.get(k).and_then(Value::as_str) {
                meta.insert(k.into(), json!(clip(v, 100)));
            }
        }
    }
    match find(&archive, "config.json") {
        Some(e) => match archive.read(e.index, vouch_keras::MAX_CONFIG_BYTES as u64 + 1) {
            Ok(d) => match vouch_keras::analyse_config(&d.bytes) {
                Ok(facts) => {
                    judge_config(ctx, Some(&at("config.json")), &facts, false);
                    config_metadata(&facts, &mut meta);
                }
                Err(e) => {
                    ctx.push(&rules::KERAS_MALFORMED, Some(&at("config.json")), e);
                }
            },
            Err(err) => {
                ctx.push(
                    &rules::KERAS_MALFORMED,
                    Some(&at("config.json")),
                    format!("cannot read config.json: {err}"),
                );
            }
        },
        None => {
            ctx.push(
                &rules::KERAS_MALFORMED,
                member,
                "the archive has no config.json".into(),
            );
        }
    }
    if let Some(e) = find(&archive, "model.weights.h5") {
        let facts = weights(&mut archive, &e, handle(), &limits);
        match facts {
            Some(f) => {
                if let Some(err) = f.errors.first() {
                    ctx.push(
                        &rules::KERAS_MALFORMED,
                        Some(&at("model.weights.h5")),
                        format!("the weights file is not readable HDF5: {err}"),
                    );
                }
                meta.insert("weights".into(), json!(f.datasets));
                meta.insert("parameters".into(), json!(f.elements));
            }
            None => {
                meta.insert("weights_bytes".into(), json!(e.size));
            }
        }
    }
    drop(archive);
    put_metadata(ctx, member, meta);
    // Hand the same bytes back to the engine for the generic zip pass.
    let outer = HANDING_BACK.with(|g| g.replace(Some(depth)));
    scan_reader(ctx, member, Box::new(handle()), depth, Hint::None);
    HANDING_BACK.with(|g| g.set(outer));
    Some("keras".into())
}

fn give_back(r: &mut Box<dyn ReadSeek>, shared: Arc<Mutex<Box<dyn ReadSeek>>>) {
    if let Ok(m) = Arc::try_unwrap(shared)
        && let Ok(mut inner) = m.into_inner()
    {
        let _ = inner.seek(SeekFrom::Start(0));
        *r = inner;
    }
}

/// The weights file: read in place when stored uncompressed, decoded into memory when small.
fn weights(
    archive: &mut Archive,
    e: &vouch_archive::Entry,
    mut raw: Shared,
    limits: &vouch_core::Limits,
) -> Option<H5Facts> {
    let h5 = hdf5::Limits::default();
    if let Some(off) = e.data_offset {
        let mut magic = [0u8; 8];
        let stored = raw.seek(SeekFrom::Start(off)).is_ok()
            && raw.read_exact(&mut magic).is_ok()
            && &magic == hdf5::MAGIC
            && e.size == e.compressed_size;
        if stored {
            let w = Window {
                inner: raw,
                start: off,
                len: e.size,
                pos: 0,
            };
            return Some(hdf5::read(w, &h5));
        }
    }
    if e.size > MAX_WEIGHTS_IN_MEMORY.min(limits.max_member_bytes) {
        return None;
    }
    let d = archive.read(e.index, MAX_WEIGHTS_IN_MEMORY).ok()?;
    Some(hdf5::read(Cursor::new(d.bytes), &h5))
}

/// An HDF5 file: a legacy Keras model when its root has `model_config`.
pub(crate) fn scan_h5(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: &mut Box<dyn ReadSeek>,
) -> String {
    let taken = std::mem::replace(r, Box::new(Cursor::new(Vec::new())));
    let facts = hdf5::read(taken, &hdf5::Limits::default());
    let mut meta = Map::new();
    let model_config = facts.attribute("model_config");
    let format = if model_config.is_some() {
        "keras-h5"
    } else if facts.attribute("layer_names").is_some() || facts.attribute("keras_version").is_some()
    {
        "keras-h5-weights"
    } else {
        "hdf5"
    };
    meta.insert("format".into(), format.into());
    if let Some(err) = facts.errors.first() {
        ctx.push(
            &rules::KERAS_MALFORMED,
            member,
            format!("the HDF5 structure is broken: {err}"),
        );
    }
    for k in ["keras_version", "backend"] {
        if let Some(v) = facts.attribute(k) {
            meta.insert(k.into(), json!(clip(v, 100)));
        }
    }
    for key in ["model_config", "training_config"] {
        let Some(text) = facts.attribute(key) else {
            continue;
        };
        match vouch_keras::analyse_config(text.as_bytes()) {
            Ok(cfg) => {
                judge_config(ctx, member, &cfg, true);
                if key == "model_config" {
                    config_metadata(&cfg, &mut meta);
                }
            }
            Err(e) => {
                ctx.push(
                    &rules::KERAS_MALFORMED,
                    member,
                    format!("attribute {key}: {e}"),
                );
            }
        }
    }
    meta.insert("datasets".into(), json!(facts.datasets));
    meta.insert("parameters".into(), json!(facts.elements));
    if facts.limited {
        ctx.push(
            &rules::KERAS_MALFORMED,
            member,
            "the HDF5 group tree is deeper or larger than vouch's limits; the rest was not read"
                .into(),
        );
    }
    put_metadata(ctx, member, meta);
    format.into()
}

fn config_metadata(f: &ConfigFacts, meta: &mut Map<String, Value>) {
    if let Some(c) = &f.model_class {
        meta.insert("model_class".into(), json!(clip(c, 100)));
    }
    meta.insert("layers".into(), json!(f.layers));
    let classes: Map<String, Value> = f
        .layer_classes
        .iter()
        .take(100)
        .map(|(k, v)| (clip(k, 100), json!(v)))
        .collect();
    meta.insert("layer_classes".into(), Value::Object(classes));
    if !f.lambdas.is_empty() {
        meta.insert("lambdas".into(), json!(f.lambdas.len()));
    }
}

fn root(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

fn judge_config(ctx: &mut Ctx<'_>, member: Option<&str>, f: &ConfigFacts, legacy: bool) {
    for o in &f.objects {
        let module = o.module.as_deref().unwrap_or("");
        let target = match (&o.function, module) {
            (Some(func), m) if !m.is_empty() => format!("{m}.{func}"),
            (Some(func), _) => func.clone(),
            (None, m) if !m.is_empty() => format!("{m}.{}", o.class_name),
            (None, _) => o.class_name.clone(),
        };
        let leaf = o.function.as_deref().unwrap_or(&o.class_name);
        let layer = o
            .layer
            .as_deref()
            .map(|l| format!(" (layer {:?})", clip(l, 100)))
            .unwrap_or_default();
        let bypass = BYPASS_NAMES.iter().find(|(n, _)| *n == leaf);
        let (rule, why) = if !module.is_empty() && DANGEROUS_MODULES.contains(&root(module)) {
            (
                &rules::KERAS_SAFE_MODE_BYPASS,
                format!(
                    "imports {} from the {:?} module, outside Keras",
                    clip(leaf, 100),
                    root(module)
                ),
            )
        } else if let Some((_, what)) = bypass {
            (
                &rules::KERAS_SAFE_MODE_BYPASS,
                format!("uses {}, which {what}", clip(leaf, 100)),
            )
        } else if !module.is_empty()
            && ![
                "keras",
                "tf_keras",
                "tensorflow",
                "keras_hub",
                "keras_nlp",
                "keras_cv",
            ]
            .contains(&root(module))
        {
            (
                &rules::KERAS_CUSTOM_OBJECT,
                format!(
                    "needs {} from {:?}, a module outside Keras that loading imports",
                    clip(leaf, 100),
                    clip(module, 100)
                ),
            )
        } else if let Some(reg) = o
            .registered_name
            .as_deref()
            .filter(|r| r.contains('>') && !r.starts_with("keras"))
        {
            (
                &rules::KERAS_CUSTOM_OBJECT,
                format!(
                    "needs the custom object {:?}, registered outside Keras",
                    clip(reg, 100)
                ),
            )
        } else {
            continue;
        };
        let f = ctx.push(rule, member, format!("the config {why}{layer}"));
        f.evidence
            .insert("target".into(), json!(clip(&target, 200)));
        f.evidence
            .insert("config_path".into(), json!(clip(&o.path, 200)));
        if let Some(l) = &o.layer {
            f.evidence.insert("layer".into(), json!(clip(l, 100)));
        }
    }
    for l in &f.lambdas {
        let layer = l
            .layer
            .as_deref()
            .map(|x| format!(" {:?}", clip(x, 100)))
            .unwrap_or_default();
        let note = if legacy {
            "; legacy .h5 models run it even with safe_mode"
        } else {
            "; it runs when the model loads with safe_mode=False"
        };
        let (names, strings): (Vec<String>, Vec<String>) = match &l.code {
            Ok(c) => (
                c.names.iter().take(50).map(|s| clip(s, 100)).collect(),
                c.strings.iter().take(20).map(|s| clip(s, 200)).collect(),
            ),
            Err(_) => (Vec::new(), Vec::new()),
        };
        let f = ctx.push(
            &rules::KERAS_LAMBDA_LAYER,
            member,
            format!("Lambda layer{layer} carries Python bytecode{note}"),
        );
        f.evidence
            .insert("config_path".into(), json!(clip(&l.path, 200)));
        match &l.code {
            Ok(c) => {
                f.evidence.insert("names".into(), json!(names));
                f.evidence.insert("python".into(), json!(c.layout));
            }
            Err(e) => {
                f.evidence.insert("decode_error".into(), json!(e));
            }
        }
        let bad: Vec<&String> = names
            .iter()
            .filter(|n| DANGEROUS_CODE_NAMES.contains(&n.as_str()))
            .chain(
                strings
                    .iter()
                    .filter(|s| DANGEROUS_MODULES.contains(&s.as_str()) || s.contains("/bin/")),
            )
            .collect();
        if !bad.is_empty() {
            let list: Vec<String> = bad.iter().map(|s| (*s).clone()).collect();
            let f = ctx.push(
                &rules::KERAS_LAMBDA_DANGEROUS_CODE,
                member,
                format!(
                    "Lambda layer{layer} bytecode reaches {}: loading the model runs it",
                    list.join(", ")
                ),
            );
            f.evidence
                .insert("config_path".into(), json!(clip(&l.path, 200)));
            f.evidence.insert("names".into(), json!(list));
            f.evidence.insert("strings".into(), json!(strings));
        }
    }
    for r in &f.file_refs {
        let f = ctx.push(
            &rules::KERAS_FILE_REFERENCE,
            member,
            format!(
                "layer class {} reads {} {:?} when the model loads",
                clip(&r.class_name, 100),
                r.key,
                clip(&r.value, 200)
            ),
        );
        f.evidence
            .insert("config_path".into(), json!(clip(&r.path, 200)));
        f.evidence
            .insert("value".into(), json!(clip(&r.value, 500)));
    }
}
