//! The pickle opcode table (protocols 0 to 5), as defined by CPython's `pickletools`.

/// Name and introducing protocol of an opcode byte, or `None` when the byte is no opcode.
pub fn opcode_info(op: u8) -> Option<(&'static str, u8)> {
    Some(match op {
        b'(' => ("MARK", 0),
        b'.' => ("STOP", 0),
        b'0' => ("POP", 0),
        b'1' => ("POP_MARK", 1),
        b'2' => ("DUP", 0),
        b'F' => ("FLOAT", 0),
        b'I' => ("INT", 0),
        b'J' => ("BININT", 1),
        b'K' => ("BININT1", 1),
        b'L' => ("LONG", 0),
        b'M' => ("BININT2", 1),
        b'N' => ("NONE", 0),
        b'P' => ("PERSID", 0),
        b'Q' => ("BINPERSID", 1),
        b'R' => ("REDUCE", 0),
        b'S' => ("STRING", 0),
        b'T' => ("BINSTRING", 1),
        b'U' => ("SHORT_BINSTRING", 1),
        b'V' => ("UNICODE", 0),
        b'X' => ("BINUNICODE", 1),
        b'a' => ("APPEND", 0),
        b'b' => ("BUILD", 0),
        b'c' => ("GLOBAL", 0),
        b'd' => ("DICT", 0),
        b'}' => ("EMPTY_DICT", 1),
        b'e' => ("APPENDS", 1),
        b'g' => ("GET", 0),
        b'h' => ("BINGET", 1),
        b'i' => ("INST", 0),
        b'j' => ("LONG_BINGET", 1),
        b'l' => ("LIST", 0),
        b']' => ("EMPTY_LIST", 1),
        b'o' => ("OBJ", 1),
        b'p' => ("PUT", 0),
        b'q' => ("BINPUT", 1),
        b'r' => ("LONG_BINPUT", 1),
        b's' => ("SETITEM", 0),
        b't' => ("TUPLE", 0),
        b')' => ("EMPTY_TUPLE", 1),
        b'u' => ("SETITEMS", 1),
        b'G' => ("BINFLOAT", 1),
        0x80 => ("PROTO", 2),
        0x81 => ("NEWOBJ", 2),
        0x82 => ("EXT1", 2),
        0x83 => ("EXT2", 2),
        0x84 => ("EXT4", 2),
        0x85 => ("TUPLE1", 2),
        0x86 => ("TUPLE2", 2),
        0x87 => ("TUPLE3", 2),
        0x88 => ("NEWTRUE", 2),
        0x89 => ("NEWFALSE", 2),
        0x8a => ("LONG1", 2),
        0x8b => ("LONG4", 2),
        b'B' => ("BINBYTES", 3),
        b'C' => ("SHORT_BINBYTES", 3),
        0x8c => ("SHORT_BINUNICODE", 4),
        0x8d => ("BINUNICODE8", 4),
        0x8e => ("BINBYTES8", 4),
        0x8f => ("EMPTY_SET", 4),
        0x90 => ("ADDITEMS", 4),
        0x91 => ("FROZENSET", 4),
        0x92 => ("NEWOBJ_EX", 4),
        0x93 => ("STACK_GLOBAL", 4),
        0x94 => ("MEMOIZE", 4),
        0x95 => ("FRAME", 4),
        0x96 => ("BYTEARRAY8", 5),
        0x97 => ("NEXT_BUFFER", 5),
        0x98 => ("READONLY_BUFFER", 5),
        _ => return None,
    })
}

/// Whether a byte is a pickle opcode.
pub fn is_opcode(op: u8) -> bool {
    opcode_info(op).is_some()
}

/// Printable name of an opcode byte (`0x??` when it is none).
pub fn opcode_name(op: u8) -> String {
    match opcode_info(op) {
        Some((name, _)) => name.to_owned(),
        None => format!("0x{op:02x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_all_68_opcodes_with_unique_names() {
        let names: Vec<_> = (0u8..=255)
            .filter_map(opcode_info)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names.len(), 68);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }
}
