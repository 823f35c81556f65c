//! pyproject.toml, conda inputs and installed environments, on the fixtures in
//! `tests/fixtures/{pyproject,conda,pyenv}` (see the READMEs there for how they were made).

use std::path::{Path, PathBuf};
use vouch_inventory::{
    ComponentKind, Ecosystem, InputKind, WalkOptions, parse_text, pyenv, read_file, read_path,
    read_python_env,
};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

#[test]
fn pyproject_pep621() {
    let c = read_file(
        &fixture("pyproject/pep621/pyproject.toml"),
        "pyproject.toml",
    )
    .unwrap();
    assert_eq!(c.len(), 1, "one project, no libraries");
    let p = &c[0];
    assert_eq!(p.kind, ComponentKind::Project);
    assert_eq!(p.ecosystem, Some(Ecosystem::PyPI));
    assert_eq!(p.name, "Sentiment_Service");
    assert_eq!(p.version.as_deref(), Some("0.4.2"));
    assert_eq!(p.purl.as_deref(), Some("pkg:pypi/sentiment-service@0.4.2"));
    assert_eq!(
        p.licenses,
        ["Apache-2.0"],
        "the SPDX expression, not the classifier"
    );
    assert_eq!(
        p.depends_on,
        [
            "pkg:pypi/fastapi",
            "pkg:pypi/httpx",
            "pkg:pypi/mypy",
            "pkg:pypi/onnxruntime",
            "pkg:pypi/optimum",
            "pkg:pypi/pydantic-settings",
            "pkg:pypi/pytest",
            "pkg:pypi/ruff",
            "pkg:pypi/safetensors",
            "pkg:pypi/transformers",
            "pkg:pypi/types-requests",
            "pkg:pypi/uvicorn",
        ]
    );
    assert_eq!(p.origin.path, "pyproject.toml");
}

#[test]
fn pyproject_poetry() {
    let c = read_file(&fixture("pyproject/poetry/pyproject.toml"), "x").unwrap();
    let p = &c[0];
    assert_eq!(p.kind, ComponentKind::Project);
    assert_eq!(p.purl.as_deref(), Some("pkg:pypi/rag-pipeline@1.3.0"));
    assert_eq!(p.licenses, ["MIT"]);
    assert_eq!(
        p.depends_on,
        [
            "pkg:pypi/black",
            "pkg:pypi/faiss-cpu",
            "pkg:pypi/internal-utils",
            "pkg:pypi/langchain",
            "pkg:pypi/mkdocs-material",
            "pkg:pypi/pre-commit",
            "pkg:pypi/pytest",
            "pkg:pypi/sentence-transformers",
            "pkg:pypi/tiktoken",
        ],
        "python is not a dependency; groups and dev-dependencies are"
    );
    assert!(
        read_file(&fixture("pyproject/tools-only/pyproject.toml"), "x")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn pyproject_garbage_is_a_clear_error() {
    let p = Path::new("pyproject.toml");
    for (text, want) in [
        ("[project]\nname = \n", "pyproject.toml:2:"),
        (
            "[project]\nname='a'\noptional-dependencies = ['x']\n",
            "must be a table",
        ),
        (
            "[project]\nname='a'\n[dependency-groups]\ndev = [{include = 'x'}]\n",
            "neither a requirement string nor {include-group",
        ),
        (
            "[tool.poetry]\nname='a'\ndependencies=['x']\n",
            "must be a table of name",
        ),
    ] {
        let e = parse_text(InputKind::PyProject, text, p, "pyproject.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn include_group_chains_are_bounded() {
    // A long chain and a long cycle: both end in an error, quickly, without recursion.
    let mut chain = String::from("[project]\nname='x'\n[dependency-groups]\n");
    for i in 0..5000 {
        chain.push_str(&format!("g{i} = [{{include-group = 'g{}'}}]\n", i + 1));
    }
    chain.push_str("g5000 = ['six']\n");
    let e = parse_text(InputKind::PyProject, &chain, Path::new("p"), "p")
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 32 levels deep"), "{e}");
    let mut cycle = String::from("[project]\nname='x'\n[dependency-groups]\n");
    for i in 0..20 {
        cycle.push_str(&format!(
            "g{i} = ['p{i}', {{include-group = 'g{}'}}]\n",
            (i + 1) % 20
        ));
    }
    let e = parse_text(InputKind::PyProject, &cycle, Path::new("p"), "p")
        .unwrap_err()
        .to_string();
    assert!(e.contains("in a cycle: g0 -> g1 -> g2 -> g3"), "{e}");
    // A wide DAG (one group including 2000 that all include the same leaf) reads each once.
    let mut wide = String::from("[project]\nname='x'\n[dependency-groups]\nleaf = ['six']\n");
    let mut top = String::from("top = [");
    for i in 0..2000 {
        wide.push_str(&format!("w{i} = ['p{i}', {{include-group = 'leaf'}}]\n"));
        top.push_str(&format!("{{include-group = 'w{i}'}}, "));
    }
    top.push_str("]\n");
    wide.push_str(&top);
    let c = parse_text(InputKind::PyProject, &wide, Path::new("p"), "p").unwrap();
    assert_eq!(c[0].depends_on.len(), 2001);
}

#[test]
fn conda_environment() {
    let c = read_file(&fixture("conda/environment.yml"), "environment.yml").unwrap();
    let got: Vec<_> = c
        .iter()
        .map(|c| {
            (
                c.ecosystem.clone().unwrap(),
                c.purl.as_deref().unwrap(),
                c.origin.line.unwrap(),
            )
        })
        .collect();
    let conda = Ecosystem::Conda;
    let pypi = Ecosystem::PyPI;
    assert_eq!(
        got,
        [
            (conda.clone(), "pkg:conda/python@3.11", 9),
            (conda.clone(), "pkg:conda/pytorch@2.3.1", 10),
            (conda.clone(), "pkg:conda/torchvision@0.18.1", 11),
            (conda.clone(), "pkg:conda/pytorch-cuda@12.1", 12),
            (conda.clone(), "pkg:conda/numpy", 13),
            (conda.clone(), "pkg:conda/pillow@10.3.0", 14),
            (conda.clone(), "pkg:conda/opencv", 15),
            (conda.clone(), "pkg:conda/scikit-learn@1.5.0", 16),
            (conda.clone(), "pkg:conda/pip", 17),
            (pypi.clone(), "pkg:pypi/timm@1.0.7", 19),
            (pypi, "pkg:pypi/wandb", 20),
        ]
    );
    assert!(c.iter().all(|c| c.kind == ComponentKind::Library));
}

#[test]
fn conda_explicit() {
    let c = read_file(&fixture("conda/conda-linux-64.lock"), "conda-linux-64.lock").unwrap();
    assert_eq!(c.len(), 9);
    let py = c.iter().find(|c| c.name == "python").unwrap();
    assert_eq!(py.purl.as_deref(), Some("pkg:conda/python@3.10.14"));
    assert_eq!(py.hashes.len(), 1);
    assert_eq!(py.hashes[0].alg, "md5");
    assert_eq!(py.hashes[0].value, "4f8cd8904cbb89236e053f00a75bc971");
    assert_eq!(py.origin.line, Some(12));
    let tz = c.last().unwrap();
    assert_eq!(tz.purl.as_deref(), Some("pkg:conda/tzdata@2024a"));
    assert_eq!(tz.sha256().count(), 1);
    // The same content under a `.txt` name (and even `requirements.txt`) is sniffed.
    let t = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("conda/conda-linux-64.lock")).unwrap();
    for name in [
        "spec-file.txt",
        "requirements.txt",
        "env.lock",
        "explicit-linux.txt",
    ] {
        let p = t.path().join(name);
        std::fs::write(&p, &text).unwrap();
        let got = read_file(&p, name).unwrap();
        assert_eq!(got.len(), 9, "{name}");
        assert_eq!(got[0].ecosystem, Some(Ecosystem::Conda), "{name}");
    }
}

#[test]
fn conda_lock_edges_per_platform() {
    let c = read_file(&fixture("conda/conda-lock.yml"), "conda-lock.yml").unwrap();
    let find = |purl: &str| {
        c.iter()
            .find(|c| c.purl.as_deref() == Some(purl))
            .unwrap_or_else(|| panic!("{purl} missing"))
    };
    // bzip2 is on two platforms: one component, both files' digests.
    let bz = find("pkg:conda/bzip2@1.0.8");
    assert_eq!(c.iter().filter(|x| x.name == "bzip2").count(), 1);
    assert_eq!(bz.hashes.len(), 4);
    assert_eq!(
        bz.depends_on,
        ["pkg:conda/libgcc-ng@11.2.0"],
        "from linux-64 only"
    );
    // Virtual packages (__glibc) give no edge.
    assert_eq!(
        find("pkg:conda/libgcc-ng@11.2.0").depends_on,
        ["pkg:conda/_libgcc_mutex@0.1", "pkg:conda/_openmp_mutex@5.1"]
    );
    // tzdata is not in the lock: no edge.
    assert_eq!(
        find("pkg:conda/python@3.10.14").depends_on,
        [
            "pkg:conda/bzip2@1.0.8",
            "pkg:conda/libgcc-ng@11.2.0",
            "pkg:conda/openssl@3.0.14"
        ]
    );
    // A pip package depends on pip packages and, across managers, on a conda one.
    let req = find("pkg:pypi/requests@2.32.3");
    assert_eq!(req.ecosystem, Some(Ecosystem::PyPI));
    assert_eq!(
        req.depends_on,
        [
            "pkg:conda/certifi@2024.7.4",
            "pkg:pypi/charset-normalizer@3.3.2",
            "pkg:pypi/idna@3.7",
            "pkg:pypi/urllib3@2.2.2"
        ]
    );
    assert_eq!(
        req.sha256().collect::<Vec<_>>(),
        ["70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"]
    );
    assert!(find("pkg:pypi/pytest@8.2.2").dev);
    assert!(!req.dev);
    assert_eq!(c.len(), 14, "9 conda + 5 pip packages");
}

#[test]
fn conda_garbage_is_a_clear_error() {
    let p = Path::new("f");
    for (kind, text, want) in [
        (
            InputKind::CondaLock,
            "package: 3\n",
            "not a valid conda-lock.yml (YAML): ",
        ),
        (InputKind::CondaLock, "version: 1\n", "no `package:` list"),
        (InputKind::CondaLock, "[[[", "not a valid conda-lock.yml"),
        (
            InputKind::CondaEnv,
            "dependencies: {a: b}\n",
            "not a valid conda environment file (YAML): ",
        ),
        (
            InputKind::CondaExplicit,
            "@EXPLICIT\nhttps://x/y/z.whl\n",
            "f:2: expected a package URL",
        ),
        (InputKind::CondaExplicit, "", "no `@EXPLICIT` line"),
    ] {
        let e = parse_text(kind, text, p, "f").unwrap_err().to_string();
        assert!(e.contains(want), "{kind:?} {text:?}: {e}");
    }
    // A YAML alias bomb is stopped by the parser's budget, not by memory.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    bomb.push_str("package: []\n");
    let e = parse_text(InputKind::CondaLock, &bomb, p, "f")
        .unwrap_err()
        .to_string();
    assert!(e.contains("budget"), "{e}");
}

#[test]
fn installed_environment() {
    let inv = read_python_env(&fixture("pyenv")).unwrap();
    let names: Vec<_> = inv
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_deref().unwrap(), c.kind))
        .collect();
    let lib = ComponentKind::Library;
    assert_eq!(
        names,
        [
            ("attrs", "26.1.0", lib),
            ("certifi", "2026.10.18", lib),
            ("charset-normalizer", "3.5.2", lib),
            ("click", "8.5.1", lib),
            ("idna", "3.20", lib),
            ("localtool", "0.1.0", ComponentKind::Project),
            ("requests", "2.32.3", lib),
            ("urllib3", "2.8.0", lib),
        ]
    );
    let get = |n: &str| inv.components.iter().find(|c| c.name == n).unwrap();
    let requests = get("requests");
    assert_eq!(requests.purl.as_deref(), Some("pkg:pypi/requests@2.32.3"));
    assert_eq!(requests.licenses, ["Apache-2.0"]);
    // Extras (socks, use_chardet_on_py3) are not edges; the rest resolve to installed versions.
    assert_eq!(
        requests.depends_on,
        [
            "pkg:pypi/certifi@2026.10.18",
            "pkg:pypi/charset-normalizer@3.5.2",
            "pkg:pypi/idna@3.20",
            "pkg:pypi/urllib3@2.8.0"
        ]
    );
    assert_eq!(get("urllib3").licenses, ["MIT"], "License-Expression");
    assert!(
        get("urllib3").depends_on.is_empty(),
        "all its requirements are extras"
    );
    assert_eq!(get("idna").licenses, ["BSD-3-Clause"]);
    assert_eq!(get("certifi").licenses, ["MPL-2.0"]);
    assert_eq!(get("localtool").depends_on, ["pkg:pypi/click@8.5.1"]);
    assert_eq!(
        get("requests").origin.path,
        "lib/python3.11/site-packages/requests-2.32.3.dist-info/METADATA"
    );
    assert_eq!(inv.inputs.len(), 8);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);

    // The richer reader keeps RECORD counts and PEP 610 origins.
    let (installed, _, _) = pyenv::read_installed(&fixture("pyenv")).unwrap();
    let files: Vec<_> = installed.iter().map(|i| i.files.unwrap()).collect();
    assert_eq!(files, [56, 18, 35, 41, 28, 8, 43, 79]);
    let local = installed
        .iter()
        .find(|i| i.component.name == "localtool")
        .unwrap();
    assert_eq!(
        local.direct_url,
        Some(pyenv::DirectUrl::Dir {
            editable: true,
            url: "file:///src/localtool".into()
        })
    );

    // The site-packages directory itself gives the same components, paths relative to it.
    let sp = read_python_env(&fixture("pyenv/lib/python3.11/site-packages")).unwrap();
    assert_eq!(sp.components.len(), 8);
    assert_eq!(
        sp.components[6].origin.path,
        "requests-2.32.3.dist-info/METADATA"
    );
}

#[test]
fn installed_environment_edge_cases() {
    let t = tempfile::tempdir().unwrap();
    let sp = t.path().join("Lib/site-packages");
    std::fs::create_dir_all(&sp).unwrap();
    // A huge METADATA body (a long description) is fine: only headers are read.
    std::fs::create_dir(sp.join("big-1.0.dist-info")).unwrap();
    let mut big = String::from("Metadata-Version: 2.1\nName: big\nVersion: 1.0\n\n");
    big.push_str(&"description line\n".repeat(1 << 18));
    std::fs::write(sp.join("big-1.0.dist-info/METADATA"), big).unwrap();
    // Garbage METADATA: skipped with a warning, no panic.
    std::fs::create_dir(sp.join("junk-0.dist-info")).unwrap();
    std::fs::write(sp.join("junk-0.dist-info/METADATA"), [0xff, 0xfe, 0, 1, 2]).unwrap();
    // A VCS install stays a library, with a warning without the credentials.
    std::fs::create_dir(sp.join("vcs-2.0.dist-info")).unwrap();
    std::fs::write(
        sp.join("vcs-2.0.dist-info/METADATA"),
        "Name: vcs\nVersion: 2.0\nRequires-Dist: big\n",
    )
    .unwrap();
    std::fs::write(
        sp.join("vcs-2.0.dist-info/direct_url.json"),
        r#"{"url": "https://user:tok@git.example.invalid/vcs.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}}"#,
    )
    .unwrap();
    let inv = read_python_env(t.path()).unwrap();
    let got: Vec<_> = inv
        .components
        .iter()
        .map(|c| (c.purl.as_deref().unwrap(), c.kind, c.depends_on.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("pkg:pypi/big@1.0", ComponentKind::Library, vec![]),
            (
                "pkg:pypi/vcs@2.0",
                ComponentKind::Library,
                vec!["pkg:pypi/big@1.0".to_owned()]
            ),
        ]
    );
    assert_eq!(inv.warnings.len(), 2, "{:?}", inv.warnings);
    assert!(inv.warnings[0].contains("junk-0.dist-info/METADATA: no Name header"));
    assert!(inv.warnings[1].contains("installed from https://git.example.invalid/vcs.git"));
    assert!(!inv.warnings[1].contains("tok"));
    // Not a directory, and a directory with no site-packages: clear errors.
    let f = t.path().join("file");
    std::fs::write(&f, "x").unwrap();
    assert!(
        read_python_env(&f)
            .unwrap_err()
            .to_string()
            .contains("not a directory")
    );
    let e = read_python_env(&t.path().join("Lib"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no site-packages here"), "{e}");
}

#[test]
fn walk_picks_up_manifests_in_subdirectories() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("services/api")).unwrap();
    std::fs::copy(
        fixture("pyproject/pep621/pyproject.toml"),
        r.join("services/api/pyproject.toml"),
    )
    .unwrap();
    std::fs::copy(
        fixture("pyproject/tools-only/pyproject.toml"),
        r.join("pyproject.toml"),
    )
    .unwrap();
    std::fs::copy(fixture("conda/environment.yml"), r.join("environment.yml")).unwrap();
    std::fs::copy(fixture("conda/conda-lock.yml"), r.join("conda-lock.yml")).unwrap();
    std::fs::copy(
        fixture("conda/conda-linux-64.lock"),
        r.join("conda-linux-64.lock"),
    )
    .unwrap();
    // A conda prefix and a virtualenv inside the project are not walked.
    std::fs::create_dir_all(r.join("env/conda-meta")).unwrap();
    std::fs::write(r.join("env/environment.yml"), "dependencies: [nope=1]\n").unwrap();
    std::fs::create_dir_all(r.join("venv")).unwrap();
    std::fs::write(r.join("venv/pyvenv.cfg"), "").unwrap();
    std::fs::write(r.join("venv/pyproject.toml"), "[project]\nname='nope'\n").unwrap();
    let inv = read_path(r, &WalkOptions::default()).unwrap();
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(
        inv.inputs,
        [
            "conda-linux-64.lock",
            "conda-lock.yml",
            "environment.yml",
            "pyproject.toml",
            "services/api/pyproject.toml"
        ]
    );
    let projects: Vec<_> = inv
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Project)
        .map(|c| (c.name.as_str(), c.origin.path.as_str()))
        .collect();
    assert_eq!(
        projects,
        [("Sentiment_Service", "services/api/pyproject.toml")]
    );
    assert!(!inv.components.iter().any(|c| c.name == "nope"));
    assert_eq!(inv.components.len(), 9 + 14 + 11 + 1);
}

#[test]
fn renamed_files_are_sniffed() {
    let t = tempfile::tempdir().unwrap();
    let cases = [
        (
            "pyproject/poetry/pyproject.toml",
            "app.toml",
            ComponentKind::Project,
        ),
        (
            "conda/conda-lock.yml",
            "gpu-lock.yaml",
            ComponentKind::Library,
        ),
        (
            "conda/environment.yml",
            "env-cuda.yml",
            ComponentKind::Library,
        ),
    ];
    for (src, name, kind) in cases {
        let p = t.path().join(name);
        std::fs::copy(fixture(src), &p).unwrap();
        let c = read_file(&p, name).unwrap();
        assert_eq!(c[0].kind, kind, "{name}");
    }
    let p = t.path().join("other.yaml");
    std::fs::write(&p, "key: value\n").unwrap();
    assert!(matches!(
        read_file(&p, "other.yaml"),
        Err(vouch_inventory::Error::Unsupported { .. })
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// No parser panics on text made of the formats' own punctuation.
    #[test]
    fn parsers_never_panic(text in "[\\[\\]{}=:;@#\\-_. a-z0-9'\"\\n]{0,400}") {
        for kind in [InputKind::PyProject, InputKind::CondaEnv, InputKind::CondaExplicit, InputKind::CondaLock] {
            let _ = parse_text(kind, &text, Path::new("p"), "p");
        }
        let _ = pyenv::parse_metadata(&text);
        let _ = pyenv::parse_direct_url(&text);
        for line in text.lines() {
            let _ = vouch_inventory::conda::parse_match_spec(line);
            let _ = vouch_inventory::conda::split_package_url(line);
        }
    }
}
