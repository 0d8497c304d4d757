//! Writes the generated connector files into the repository.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (path, content) in edge_verify_connector::files() {
        let target = root.join(&path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let on_disk = std::fs::read_to_string(&target).ok();
        let content = edge_verify_connector::with_local_state(&path, content, on_disk.as_deref());
        std::fs::write(&target, content)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
