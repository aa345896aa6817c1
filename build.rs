//! Build script: records the git commit the binary is built from (`canon --version`), as
//! `CANON_GIT_COMMIT` (`unknown` outside a git checkout or without git). Cheap: two `git
//! rev-parse` calls, rerun only when HEAD or the branch it points to moves.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = git(&["rev-parse", "--short=10", "HEAD"]);
    if commit.is_some() {
        // HEAD lives in the (worktree's) git directory; the branch's ref, or packed-refs, in
        // the common one. Only files that exist are named: cargo reruns the script on every
        // build for a missing one.
        let mut watch = Vec::new();
        if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
            watch.push(format!("{dir}/HEAD"));
        }
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
            if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
                watch.push(format!("{common}/{head_ref}"));
            }
            watch.push(format!("{common}/packed-refs"));
        }
        for path in watch.iter().filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!(
        "cargo:rustc-env=CANON_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}
