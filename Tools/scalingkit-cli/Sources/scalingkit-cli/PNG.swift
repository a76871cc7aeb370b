/// A minimal PNG writer: 8-bit RGB, no interlace (PNG spec, ISO/IEC 15948, §11.2), image data compressed with
/// DEFLATE's fixed Huffman codes and greedy LZ77 matching (RFC 1951 §3.2.5–3.2.6) inside a zlib stream (RFC 1950).
/// Charts are mostly flat colour, so this is within a few times of zlib's best at a fraction of the code.
enum PNG {
    static func encode(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        precondition(rgb.count == width * height * 3)
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * 3 + 1))
        for y in 0..<height {
            raw.append(0)   // filter type None
            raw.append(contentsOf: rgb[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]   // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
        chunk("IHDR", header, into: &out)
        chunk("IDAT", zlib(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let body = Array(type.utf8) + data
        out += bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for chunk in stride(from: 0, to: bytes.count, by: 5552) {   // 5552: the most bytes before b can overflow
            for x in bytes[chunk..<min(chunk + 5552, bytes.count)] { a += UInt32(x); b += a }
            a %= 65521; b %= 65521
        }
        return (b << 16) | a
    }

    /// Bits written least-significant first, as DEFLATE packs them.
    private struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt64 = 0, count = 0
        mutating func write(_ value: UInt32, _ bits: Int) {
            buffer |= UInt64(value) << UInt64(count)
            count += bits
            while count >= 8 { bytes.append(UInt8(buffer & 0xFF)); buffer >>= 8; count -= 8 }
        }
        /// Huffman codes are defined most-significant bit first, so they go in reversed.
        mutating func code(_ value: UInt32, _ bits: Int) {
            var r: UInt32 = 0
            for i in 0..<bits { r |= ((value >> UInt32(i)) & 1) << UInt32(bits - 1 - i) }
            write(r, bits)
        }
        mutating func flush() { if count > 0 { bytes.append(UInt8(buffer & 0xFF)); buffer = 0; count = 0 } }
    }

    // RFC 1951 §3.2.5: length codes 257–285 and distance codes 0–29, each a base plus extra bits.
    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// RFC 1951 §3.2.6: the fixed literal/length code.
    private static func symbol(_ s: Int, _ w: inout BitWriter) {
        switch s {
        case 0...143: w.code(UInt32(0x30 + s), 8)
        case 144...255: w.code(UInt32(0x190 + s - 144), 9)
        case 256...279: w.code(UInt32(s - 256), 7)
        default: w.code(UInt32(0xC0 + s - 280), 8)
        }
    }

    private static func bucket(_ value: Int, _ bases: [Int]) -> Int {
        var i = bases.count - 1
        while bases[i] > value { i -= 1 }
        return i
    }

    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.bytes = [0x78, 0x01]   // deflate, 32 KiB window, no dictionary; (0x78 << 8 | 0x01) % 31 == 0
        w.write(1, 1)            // BFINAL: one block
        w.write(1, 2)            // BTYPE 01: fixed Huffman codes
        let window = 32768, hashSize = 1 << 15
        var head = [Int](repeating: -1, count: hashSize)
        func hash(_ i: Int) -> Int { ((Int(data[i]) << 10) ^ (Int(data[i + 1]) << 5) ^ Int(data[i + 2])) & (hashSize - 1) }
        var i = 0
        while i < data.count {
            var best = 0, distance = 0
            if i + 2 < data.count {
                let h = hash(i), candidate = head[h]
                head[h] = i
                if candidate >= 0 && i - candidate <= window {
                    let limit = min(258, data.count - i)
                    while best < limit && data[candidate + best] == data[i + best] { best += 1 }
                    distance = i - candidate
                }
            }
            if best >= 3 {
                let l = bucket(best, lengthBase)
                symbol(257 + l, &w)
                w.write(UInt32(best - lengthBase[l]), lengthExtra[l])
                let d = bucket(distance, distanceBase)
                w.code(UInt32(d), 5)
                w.write(UInt32(distance - distanceBase[d]), distanceExtra[d])
                for j in (i + 1)..<(i + best) where j + 2 < data.count { head[hash(j)] = j }
                i += best
            } else {
                symbol(Int(data[i]), &w)
                i += 1
            }
        }
        symbol(256, &w)   // end of block
        w.flush()
        return w.bytes + bigEndian(adler32(data))
    }
}
