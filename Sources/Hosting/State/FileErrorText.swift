import Foundation

/// A file-system error as a person reads it. Foundation's errors print as
/// `Error Domain=NSCocoaErrorDomain Code=256 "(null)" UserInfo={…}`; the POSIX reason underneath
/// ("Is a directory", "Permission denied") says why. Other errors print as they are.
///
/// ```swift
/// do { try Data(contentsOf: url) } catch { print("cannot read \(path): \(FileErrorText.describe(error))") }
/// ```
public enum FileErrorText {
    public static func describe(_ error: any Error) -> String {
        let error = error as NSError
        guard error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain else { return "\(error)" }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        if let value = error.userInfo[NSUnderlyingErrorKey], let underlying = (value as? any Error).map({ $0 as NSError }),
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
