//! Finding the files to scan: explicit files, and directories walked without recursion.
//!
//! Symbolic links are reported, not followed, unless the caller asks; followed directory links
//! are checked against the directories already visited so a link loop ends.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One input found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A regular file to scan.
    File {
        /// Where it is.
        path: PathBuf,
        /// How to show it.
        display: String,
    },
    /// A symbolic link that was not followed.
    Symlink {
        /// How to show it.
        display: String,
        /// Its target, as stored.
        target: String,
    },
    /// Something that could not be listed or is no regular file.
    Unreadable {
        /// How to show it.
        display: String,
        /// Why.
        reason: String,
    },
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Expand paths into the files under them, sorted, each once.
pub fn collect(paths: &[PathBuf], follow_symlinks: bool) -> Vec<Input> {
    let mut out = Vec::new();
    let mut seen_dirs = HashSet::new();
    for root in paths {
        // A path given explicitly is followed even when it is a link: the user named it.
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.push(Input::Unreadable {
                    display: display(root),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            out.push(classify_file(root.clone(), &meta));
            continue;
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            // Only followed links can bring the walk back to a directory it has seen.
            if follow_symlinks
                && let Ok(canon) = std::fs::canonicalize(&dir)
                && !seen_dirs.insert(canon)
            {
                continue; // a link loop or a directory reached twice
            }
            let entries = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) => {
                    out.push(Input::Unreadable {
                        display: display(&dir),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let mut children: Vec<PathBuf> = Vec::new();
            for entry in entries {
                match entry {
                    Ok(e) => children.push(e.path()),
                    Err(e) => out.push(Input::Unreadable {
                        display: display(&dir),
                        reason: e.to_string(),
                    }),
                }
            }
            children.sort();
            let mut subdirs = Vec::new();
            for child in children {
                let lmeta = match std::fs::symlink_metadata(&child) {
                    Ok(m) => m,
                    Err(e) => {
                        out.push(Input::Unreadable {
                            display: display(&child),
                            reason: e.to_string(),
                        });
                        continue;
                    }
                };
                if lmeta.file_type().is_symlink() {
                    if !follow_symlinks {
                        let target = std::fs::read_link(&child)
                            .map(|t| display(&t))
                            .unwrap_or_default();
                        out.push(Input::Symlink {
                            display: display(&child),
                            target,
                        });
                        continue;
                    }
                    match std::fs::metadata(&child) {
                        Ok(m) if m.is_dir() => subdirs.push(child),
                        Ok(m) => out.push(classify_file(child, &m)),
                        Err(e) => out.push(Input::Unreadable {
                            display: display(&child),
                            reason: format!("broken link: {e}"),
                        }),
                    }
                } else if lmeta.is_dir() {
                    subdirs.push(child);
                } else {
                    out.push(classify_file(child, &lmeta));
                }
            }
            // Depth-first in sorted order.
            stack.extend(subdirs.into_iter().rev());
        }
    }
    out.sort_by(|a, b| input_name(a).cmp(input_name(b)));
    // The same file reached twice (two roots, or a followed link) is scanned once.
    if !follow_symlinks && paths.len() == 1 {
        return out;
    }
    let mut seen = HashSet::new();
    out.retain(|i| match i {
        Input::File { path, .. } => {
            seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
        }
        _ => true,
    });
    out
}

fn input_name(i: &Input) -> &str {
    match i {
        Input::File { display, .. }
        | Input::Symlink { display, .. }
        | Input::Unreadable { display, .. } => display,
    }
}

fn classify_file(path: PathBuf, meta: &std::fs::Metadata) -> Input {
    if meta.is_file() {
        let display = display(&path);
        Input::File { path, display }
    } else {
        Input::Unreadable {
            display: display(&path),
            reason: "not a regular file (device, socket or pipe)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_and_reports_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).expect("mkdir");
        std::fs::write(root.join("b/c/z.pkl"), b"x").expect("write");
        std::fs::write(root.join("a.pkl"), b"x").expect("write");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("a.pkl"), root.join("link.pkl")).expect("symlink");
            std::os::unix::fs::symlink(root, root.join("b/loop")).expect("symlink");
        }
        let got = collect(&[root.to_path_buf()], false);
        let names: Vec<String> = got
            .iter()
            .map(|i| match i {
                Input::File { display, .. } => {
                    format!("file {}", display.trim_start_matches(&display_root(root)))
                }
                Input::Symlink { display, .. } => {
                    format!("link {}", display.trim_start_matches(&display_root(root)))
                }
                Input::Unreadable { display, .. } => format!("bad {display}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "file /a.pkl",
                "file /b/c/z.pkl",
                "link /b/loop",
                "link /link.pkl"
            ]
        );
        // Following links: the loop ends and the linked file is not scanned twice.
        let got = collect(&[root.to_path_buf()], true);
        let files = got
            .iter()
            .filter(|i| matches!(i, Input::File { .. }))
            .count();
        assert_eq!(files, 2);
    }

    fn display_root(p: &Path) -> String {
        p.to_string_lossy().into_owned()
    }
}
