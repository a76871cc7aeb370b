import CScalingKit
import ScalingKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The thread-local last-error message: a pthread key whose value is a malloc'ed C string, freed when replaced or
// when the thread exits. A global `let` is the concurrency-safe way to hold the key under Swift 6.
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { free($0) }
    precondition(rc == 0, "ScalingKit: pthread_key_create failed")
    return key
}()

private let emptyString: StaticString = ""

/// A static "" for functions documented never to return NULL.
var emptyCString: UnsafePointer<CChar> { UnsafeRawPointer(emptyString.utf8Start).assumingMemoryBound(to: CChar.self) }

/// Records `message` as this thread's last error.
func setLastError(_ message: String) {
    let copy = strdup(message)
    if let old = pthread_getspecific(lastErrorKey) { free(old) }
    pthread_setspecific(lastErrorKey, copy)
}

@c @implementation
public func sk_last_error() -> UnsafePointer<CChar>? {
    if let p = pthread_getspecific(lastErrorKey) {
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
    return emptyCString
}

@c @implementation
public func sk_status_string(_ status: Int32) -> UnsafePointer<CChar>? {
    let s: StaticString
    switch status {
    case SK_OK.rawValue: s = "SK_OK: success"
    case SK_ERR_NULL_POINTER.rawValue: s = "SK_ERR_NULL_POINTER: a required pointer was NULL"
    case SK_ERR_INVALID_ARGUMENT.rawValue: s = "SK_ERR_INVALID_ARGUMENT: a value is out of its domain"
    case SK_ERR_LENGTH.rawValue: s = "SK_ERR_LENGTH: invalid length"
    case SK_ERR_STRUCT_SIZE.rawValue: s = "SK_ERR_STRUCT_SIZE: unknown struct_size"
    case SK_ERR_UNSUPPORTED.rawValue: s = "SK_ERR_UNSUPPORTED: operation does not apply to this object"
    case SK_ERR_OUT_OF_MEMORY.rawValue: s = "SK_ERR_OUT_OF_MEMORY: allocation failed"
    case SK_ERR_INTERNAL.rawValue: s = "SK_ERR_INTERNAL: internal error"
    default: s = "unknown status"
    }
    return UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Runs `body`, mapping a thrown `ScalingKitError` to its status and this thread's last error.
@inline(__always)
func guarded(_ function: StaticString, _ body: () throws(ScalingKitError) -> Void) -> Int32 {
    do {
        try body()
        return SK_OK.rawValue
    } catch {
        setLastError("\(function): \(error.message)")
        return error.code.rawValue
    }
}
