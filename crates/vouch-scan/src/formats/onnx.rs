//! Judging ONNX models: external-data locations that leave the model's directory, operators
//! outside the standard domains, and broken protobuf.

use super::{clip, put_metadata};
use crate::engine::Ctx;
use crate::rules;
use serde_json::{Map, Value, json};
use std::path::{Component, Path};
use vouch_archive::ReadSeek;
use vouch_onnx::{Issue, Limits, Model};

/// Operators of the default (`ai.onnx`) domain, every opset (onnx 1.23), plus the
/// experimental ones removed in opset 10 that old models still carry.
const STANDARD_OPS: &[&str] = &[
    "Abs",
    "Acos",
    "Acosh",
    "Add",
    "AffineGrid",
    "And",
    "ArgMax",
    "ArgMin",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "Attention",
    "AveragePool",
    "BatchNormalization",
    "Bernoulli",
    "BitCast",
    "BitShift",
    "BitwiseAnd",
    "BitwiseNot",
    "BitwiseOr",
    "BitwiseXor",
    "BlackmanWindow",
    "Cast",
    "CastLike",
    "CausalConvWithState",
    "Ceil",
    "Celu",
    "CenterCropPad",
    "Clip",
    "Col2Im",
    "Compress",
    "Concat",
    "ConcatFromSequence",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "ConvInteger",
    "ConvTranspose",
    "Cos",
    "Cosh",
    "CumProd",
    "CumSum",
    "DFT",
    "DeformConv",
    "DepthToSpace",
    "DequantizeLinear",
    "Det",
    "Div",
    "Dropout",
    "DynamicQuantizeLinear",
    "Einsum",
    "Elu",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "EyeLike",
    "Flatten",
    "Floor",
    "GRU",
    "Gather",
    "GatherElements",
    "GatherND",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalLpPool",
    "GlobalMaxPool",
    "Greater",
    "GreaterOrEqual",
    "GridSample",
    "GroupNormalization",
    "HammingWindow",
    "HannWindow",
    "HardSigmoid",
    "HardSwish",
    "Hardmax",
    "Identity",
    "If",
    "ImageDecoder",
    "InstanceNormalization",
    "IsInf",
    "IsNaN",
    "LRN",
    "LSTM",
    "LayerNormalization",
    "LeakyRelu",
    "Less",
    "LessOrEqual",
    "LinearAttention",
    "Log",
    "LogSoftmax",
    "Loop",
    "LpNormalization",
    "LpPool",
    "MatMul",
    "MatMulInteger",
    "Max",
    "MaxPool",
    "MaxRoiPool",
    "MaxUnpool",
    "Mean",
    "MeanVarianceNormalization",
    "MelWeightMatrix",
    "Min",
    "Mish",
    "Mod",
    "Mul",
    "Multinomial",
    "Neg",
    "NegativeLogLikelihoodLoss",
    "NonMaxSuppression",
    "NonZero",
    "Not",
    "OneHot",
    "Optional",
    "OptionalGetElement",
    "OptionalHasElement",
    "Or",
    "PRelu",
    "Pad",
    "Pow",
    "QLinearConv",
    "QLinearMatMul",
    "QuantizeLinear",
    "RMSNormalization",
    "RNN",
    "RandomNormal",
    "RandomNormalLike",
    "RandomUniform",
    "RandomUniformLike",
    "Range",
    "Reciprocal",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "ReduceSumSquare",
    "RegexFullMatch",
    "Relu",
    "Reshape",
    "Resize",
    "ReverseSequence",
    "RoiAlign",
    "RotaryEmbedding",
    "Round",
    "STFT",
    "Scan",
    "Scatter",
    "ScatterElements",
    "ScatterND",
    "Selu",
    "SequenceAt",
    "SequenceConstruct",
    "SequenceEmpty",
    "SequenceErase",
    "SequenceInsert",
    "SequenceLength",
    "SequenceMap",
    "Shape",
    "Shrink",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sinh",
    "Size",
    "Slice",
    "Softmax",
    "SoftmaxCrossEntropyLoss",
    "Softplus",
    "Softsign",
    "SpaceToDepth",
    "Split",
    "SplitToSequence",
    "Sqrt",
    "Squeeze",
    "StringConcat",
    "StringNormalizer",
    "StringSplit",
    "Sub",
    "Sum",
    "SwiGLU",
    "Swish",
    "Tan",
    "Tanh",
    "TensorScatter",
    "TfIdfVectorizer",
    "ThresholdedRelu",
    "Tile",
    "TopK",
    "Transpose",
    "Trilu",
    "Unique",
    "Unsqueeze",
    "Upsample",
    "Where",
    "Xor",
    // experimental, removed in opset 10
    "Affine",
    "ConstantFill",
    "Crop",
    "DynamicSlice",
    "GRUUnit",
    "GivenTensorFill",
    "ImageScaler",
    "ParametricSoftplus",
    "Scale",
    "ScaledTanh",
];

/// Operators of `ai.onnx.ml`.
const ML_OPS: &[&str] = &[
    "ArrayFeatureExtractor",
    "Binarizer",
    "CastMap",
    "CategoryMapper",
    "DictVectorizer",
    "FeatureVectorizer",
    "Imputer",
    "LabelEncoder",
    "LinearClassifier",
    "LinearRegressor",
    "Normalizer",
    "OneHotEncoder",
    "SVMClassifier",
    "SVMRegressor",
    "Scaler",
    "TreeEnsemble",
    "TreeEnsembleClassifier",
    "TreeEnsembleRegressor",
    "ZipMap",
];

/// Operators of the training and preview domains.
const TRAINING_OPS: &[&str] = &["Adagrad", "Adam", "Gradient", "Momentum", "FlexAttention"];

/// Domains of runtimes' own operator sets: not ONNX, but well known. `ai.onnx.contrib`
/// (onnxruntime-extensions) includes Python-backed custom operators.
const VENDOR_DOMAINS: &[&str] = &[
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.microsoft.mlfeaturizers",
    "com.microsoft.experimental",
    "com.microsoft.dml",
    "com.ms.internal.nhwc",
    "ai.onnx.contrib",
    "org.pytorch.aten",
    "org.pytorch.onnx",
    "com.amd.quark",
    "ai.onnx.converters.tensorflow",
    "trt.plugins",
];

enum OpClass {
    Standard,
    Local,
    Vendor,
    Unknown(&'static str),
}

fn classify(domain: &str, op: &str, functions: &[(String, String)]) -> OpClass {
    if functions.iter().any(|(d, n)| d == domain && n == op) {
        return OpClass::Local;
    }
    match domain {
        "" | "ai.onnx" => {
            if STANDARD_OPS.contains(&op) {
                OpClass::Standard
            } else {
                OpClass::Unknown("is not an operator of the standard domain")
            }
        }
        "ai.onnx.ml" => {
            if ML_OPS.contains(&op) {
                OpClass::Standard
            } else {
                OpClass::Unknown("is not an operator of ai.onnx.ml")
            }
        }
        "ai.onnx.training" | "ai.onnx.preview.training" | "ai.onnx.preview" => {
            if TRAINING_OPS.contains(&op) {
                OpClass::Standard
            } else {
                OpClass::Unknown("is not an operator of the ONNX training domains")
            }
        }
        d if VENDOR_DOMAINS.contains(&d) => OpClass::Vendor,
        _ => OpClass::Unknown("comes from a custom domain"),
    }
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, member: Option<&str>, r: &mut Box<dyn ReadSeek>) {
    let m = match vouch_onnx::read(&mut **r, &Limits::default()) {
        Ok(m) => m,
        Err(e) => {
            ctx.push(
                &rules::FILE_UNREADABLE,
                member,
                format!("cannot read the ONNX model: {e}"),
            );
            return;
        }
    };
    for issue in &m.issues {
        let (rule, msg, offset) = match issue {
            Issue::Malformed { offset, detail } => (
                &rules::ONNX_MALFORMED,
                format!("the model's protobuf is broken: {detail}"),
                *offset,
            ),
            Issue::LimitExceeded { what, value, limit } => (
                &rules::ONNX_LIMIT_EXCEEDED,
                format!("{value} {what} exceed the limit of {limit}; the model was not analysed"),
                None,
            ),
            Issue::ExternalWithoutLocation { tensor } => (
                &rules::ONNX_MALFORMED,
                format!(
                    "tensor {:?} is stored externally but names no location",
                    clip(tensor, 200)
                ),
                None,
            ),
            other => (&rules::ONNX_MALFORMED, format!("{other:?}"), None),
        };
        ctx.push(rule, member, msg).location = offset.map(vouch_core::Location::offset);
    }
    external_data(ctx, member, &m);
    for op in &m.operators {
        let (rule, why) = match classify(&op.domain, &op.op_type, &m.functions) {
            OpClass::Standard | OpClass::Local => continue,
            OpClass::Vendor => (
                &rules::ONNX_VENDOR_OPERATOR,
                "is a runtime-specific operator",
            ),
            OpClass::Unknown(why) => (&rules::ONNX_CUSTOM_OPERATOR, why),
        };
        let domain = if op.domain.is_empty() {
            "ai.onnx"
        } else {
            op.domain.as_str()
        };
        let f = ctx.push(
            rule,
            member,
            format!(
                "operator {}::{} {why}; {} node(s) use it",
                clip(domain, 100),
                clip(&op.op_type, 100),
                op.count
            ),
        );
        f.evidence.insert("domain".into(), json!(domain));
        f.evidence.insert("op_type".into(), json!(op.op_type));
        f.evidence.insert("nodes".into(), json!(op.nodes));
        f.evidence.insert("count".into(), json!(op.count));
    }
    let analysed = !m
        .issues
        .iter()
        .any(|i| matches!(i, Issue::Malformed { .. } | Issue::LimitExceeded { .. }));
    let meta = if analysed {
        metadata(&m)
    } else {
        Map::from_iter([("format".to_owned(), json!("onnx"))])
    };
    put_metadata(ctx, member, meta);
}

/// Why an external-data location is unsafe, if it is.
pub(crate) fn unsafe_location(loc: &str) -> Option<&'static str> {
    if loc.is_empty() {
        return Some("is empty");
    }
    if loc.contains('\0') {
        return Some("contains a NUL byte");
    }
    let b = loc.as_bytes();
    if loc.starts_with('/') || loc.starts_with('\\') {
        return Some("is an absolute path");
    }
    if b.len() >= 2 && b.get(1) == Some(&b':') && b.first().is_some_and(u8::is_ascii_alphabetic) {
        return Some("is an absolute Windows path");
    }
    if loc.starts_with('~') {
        return Some("starts with ~");
    }
    if loc.split(['/', '\\']).any(|c| c == "..") {
        return Some("climbs out of the model's directory with ..");
    }
    None
}

/// The first symbolic link on the way from `dir` to `dir/loc`, if any.
fn symlink_on_path(dir: &Path, loc: &str) -> Option<String> {
    let mut p = dir.to_path_buf();
    for c in Path::new(loc).components() {
        match c {
            Component::Normal(x) => p.push(x),
            _ => return None,
        }
        let meta = std::fs::symlink_metadata(&p).ok()?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&p)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Some(target);
        }
    }
    None
}

fn external_data(ctx: &mut Ctx<'_>, member: Option<&str>, m: &Model) {
    let dir = Path::new(ctx.path()).parent().map(Path::to_path_buf);
    for e in &m.external {
        let reason = unsafe_location(&e.location).map(str::to_owned).or_else(|| {
            // Links can only be followed for a model file on disk, not for an archive member.
            let dir = dir.as_ref().filter(|_| member.is_none())?;
            symlink_on_path(dir, &e.location)
                .map(|t| format!("goes through a symbolic link to {t:?}"))
        });
        let Some(reason) = reason else { continue };
        let f = ctx.push(
            &rules::ONNX_EXTERNAL_DATA_TRAVERSAL,
            member,
            format!(
                "tensor {:?}{} loads its data from {:?}, which {reason}",
                clip(&e.tensor, 200),
                if e.graph == "main" {
                    String::new()
                } else {
                    format!(" (in {})", clip(&e.graph, 200))
                },
                clip(&e.location, 200)
            ),
        );
        f.evidence.insert("tensor".into(), json!(e.tensor));
        f.evidence.insert("location".into(), json!(e.location));
        f.evidence.insert("graph".into(), json!(e.graph));
    }
}

fn metadata(m: &Model) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("format".into(), "onnx".into());
    if let Some(v) = m.ir_version {
        o.insert("ir_version".into(), v.into());
    }
    for (k, v) in [
        ("producer_name", &m.producer_name),
        ("producer_version", &m.producer_version),
        ("domain", &m.domain),
        ("graph_name", &m.graph_name),
    ] {
        if let Some(v) = v {
            o.insert(k.into(), v.clone().into());
        }
    }
    if let Some(v) = m.model_version {
        o.insert("model_version".into(), v.into());
    }
    let opsets: Map<String, Value> = m
        .opsets
        .iter()
        .map(|(d, v)| {
            (
                if d.is_empty() {
                    "ai.onnx".to_owned()
                } else {
                    d.clone()
                },
                json!(v),
            )
        })
        .collect();
    o.insert("opsets".into(), Value::Object(opsets));
    o.insert("graphs".into(), m.graphs.into());
    o.insert("nodes".into(), m.nodes.into());
    o.insert("inputs".into(), m.inputs.into());
    o.insert("outputs".into(), m.outputs.into());
    o.insert("initializers".into(), m.initializers.into());
    o.insert("parameters".into(), m.parameters.into());
    o.insert("initializer_bytes".into(), m.initializer_bytes.into());
    o.insert("dtypes".into(), json!(m.dtypes));
    let domains: std::collections::BTreeSet<&str> = m
        .operators
        .iter()
        .map(|op| {
            if op.domain.is_empty() {
                "ai.onnx"
            } else {
                op.domain.as_str()
            }
        })
        .collect();
    o.insert("operator_domains".into(), json!(domains));
    o.insert("operator_types".into(), m.operators.len().into());
    if !m.external.is_empty() {
        let locs: std::collections::BTreeSet<&str> =
            m.external.iter().map(|e| e.location.as_str()).collect();
        o.insert("external_data".into(), json!(locs));
    }
    if !m.metadata_props.is_empty() {
        let props: Map<String, Value> = m
            .metadata_props
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        o.insert("metadata_props".into(), Value::Object(props));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert!(unsafe_location("weights.bin").is_none());
        assert!(unsafe_location("data/weights.bin").is_none());
        assert!(unsafe_location("../weights.bin").is_some());
        assert!(unsafe_location("a/../../b").is_some());
        assert!(unsafe_location("/etc/passwd").is_some());
        assert!(unsafe_location("C:\\Windows\\win.ini").is_some());
        assert!(unsafe_location("\\\\server\\share").is_some());
        assert!(unsafe_location("..\\x").is_some());
    }
}
