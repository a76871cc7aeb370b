#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C copies of the strings a handle hands out (its message, names, notes), freed with the handle: the header
/// promises that such a pointer stays valid until the handle's `_free`, and this is the one place that keeps the
/// promise (`strdup` on the way in, `free` in `deinit`).
final class CStrings {
    private var owned: [UnsafeMutablePointer<CChar>] = []

    /// A C copy of `s`, owned by this store.
    func copy(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!       // strdup fails only when malloc does, where Swift itself would trap
        owned.append(p)
        return p
    }

    /// A C copy of each of `strings`, in order.
    func copies(_ strings: [String]) -> [UnsafeMutablePointer<CChar>] { strings.map { copy($0) } }

    deinit { for p in owned { free(p) } }
}

/// A C string made once and never freed, for what lives as long as the library (the version, the catalogue).
struct ImmortalCString: @unchecked Sendable {
    let pointer: UnsafePointer<CChar>

    init(_ s: String) { pointer = UnsafePointer(strdup(s)!) }
}
