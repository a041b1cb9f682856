//! Identifiers. Generated ids are UUID v7: time-ordered, so they sort by creation.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_sort_by_creation() {
        let a = super::new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::new_id();
        assert!(a < b, "{a} should sort before {b}");
    }
}
