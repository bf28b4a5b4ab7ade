namespace Tessera.Core.Errors;

/// <summary>
/// The one table of S3 errors Tessera answers with (codes, statuses and messages from the Amazon S3 API
/// reference, "Error responses"). Handlers throw <see cref="S3Exception"/> with one of these; the gateway renders
/// the XML body. Add a row here rather than inventing a status at a call site.
/// </summary>
public static class S3Errors
{
    /// <summary><c>AccessDenied</c>: HTTP 403.</summary>
    public static readonly S3Error AccessDenied = new("AccessDenied", 403, "Access Denied");

    /// <summary><c>AccountProblem</c>: HTTP 403.</summary>
    public static readonly S3Error AccountProblem = new("AccountProblem", 403, "There is a problem with your AWS account that prevents the operation from completing successfully.");

    /// <summary><c>AuthorizationHeaderMalformed</c>: HTTP 400.</summary>
    public static readonly S3Error AuthorizationHeaderMalformed = new("AuthorizationHeaderMalformed", 400, "The authorization header is malformed.");

    /// <summary><c>AuthorizationQueryParametersError</c>: HTTP 400.</summary>
    public static readonly S3Error AuthorizationQueryParametersError = new("AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter.");

    /// <summary><c>BadDigest</c>: HTTP 400.</summary>
    public static readonly S3Error BadDigest = new("BadDigest", 400, "The Content-MD5 or checksum value that you specified did not match what the server received.");

    /// <summary><c>BucketAlreadyExists</c>: HTTP 409.</summary>
    public static readonly S3Error BucketAlreadyExists = new("BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", S3ErrorNames.BucketName);

    /// <summary><c>BucketAlreadyOwnedByYou</c>: HTTP 409.</summary>
    public static readonly S3Error BucketAlreadyOwnedByYou = new("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.", S3ErrorNames.BucketName);

    /// <summary><c>BucketNotEmpty</c>: HTTP 409.</summary>
    public static readonly S3Error BucketNotEmpty = new("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", S3ErrorNames.BucketName);

    /// <summary><c>EntityTooLarge</c>: HTTP 400.</summary>
    public static readonly S3Error EntityTooLarge = new("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size.");

    /// <summary><c>EntityTooSmall</c>: HTTP 400.</summary>
    public static readonly S3Error EntityTooSmall = new("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.");

    /// <summary><c>ExpiredToken</c>: HTTP 400.</summary>
    public static readonly S3Error ExpiredToken = new("ExpiredToken", 400, "The provided token has expired.");

    /// <summary><c>IllegalLocationConstraintException</c>: HTTP 400.</summary>
    public static readonly S3Error IllegalLocationConstraintException = new("IllegalLocationConstraintException", 400, "The specified location-constraint is not valid.");

    /// <summary><c>IncompleteBody</c>: HTTP 400.</summary>
    public static readonly S3Error IncompleteBody = new("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.");

    /// <summary><c>IncorrectNumberOfFilesInPostRequest</c>: HTTP 400.</summary>
    public static readonly S3Error IncorrectNumberOfFilesInPostRequest = new("IncorrectNumberOfFilesInPostRequest", 400, "POST requires exactly one file upload per request.");

    /// <summary><c>InternalError</c>: HTTP 500.</summary>
    public static readonly S3Error InternalError = new("InternalError", 500, "We encountered an internal error. Please try again.");

    /// <summary><c>InvalidAccessKeyId</c>: HTTP 403.</summary>
    public static readonly S3Error InvalidAccessKeyId = new("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.");

    /// <summary><c>InvalidArgument</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidArgument = new("InvalidArgument", 400, "Invalid Argument");

    /// <summary><c>InvalidBucketName</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidBucketName = new("InvalidBucketName", 400, "The specified bucket is not valid.", S3ErrorNames.BucketName);

    /// <summary><c>InvalidBucketState</c>: HTTP 409.</summary>
    public static readonly S3Error InvalidBucketState = new("InvalidBucketState", 409, "The request is not valid with the current state of the bucket.");

    /// <summary><c>InvalidChunkSizeError</c>: HTTP 403.</summary>
    public static readonly S3Error InvalidChunkSizeError = new("InvalidChunkSizeError", 403, "Only the last chunk is allowed to have a size less than 8192 bytes");

    /// <summary><c>InvalidDigest</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidDigest = new("InvalidDigest", 400, "The Content-MD5 you specified is not valid.");

    /// <summary><c>InvalidEncodingType</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidEncodingType = new("InvalidEncodingType", 400, "Invalid Encoding Method specified in Request");

    /// <summary><c>InvalidObjectState</c>: HTTP 403.</summary>
    public static readonly S3Error InvalidObjectState = new("InvalidObjectState", 403, "The operation is not valid for the current state of the object.");

    /// <summary><c>InvalidPart</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidPart = new("InvalidPart", 400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");

    /// <summary><c>InvalidPartOrder</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidPartOrder = new("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number.");

    /// <summary><c>InvalidPartNumber</c>: HTTP 400 (as S3 answers a GET or HEAD with a part number the object does not have; its documentation's table says 416).</summary>
    public static readonly S3Error InvalidPartNumber = new("InvalidPartNumber", 400, "The requested partnumber is not satisfiable");

    /// <summary><c>InvalidPolicyDocument</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidPolicyDocument = new("InvalidPolicyDocument", 400, "The content of the form does not meet the conditions specified in the policy document.");

    /// <summary><c>InvalidRange</c>: HTTP 416.</summary>
    public static readonly S3Error InvalidRange = new("InvalidRange", 416, "The requested range is not satisfiable");

    /// <summary><c>InvalidRequest</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidRequest = new("InvalidRequest", 400, "Invalid Request");

    /// <summary><c>InvalidStorageClass</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidStorageClass = new("InvalidStorageClass", 400, "The storage class you specified is not valid");

    /// <summary><c>InvalidTag</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidTag = new("InvalidTag", 400, "The TagValue you have provided is invalid");

    /// <summary><c>InvalidURI</c>: HTTP 400.</summary>
    public static readonly S3Error InvalidURI = new("InvalidURI", 400, "Couldn't parse the specified URI.");

    /// <summary><c>KeyTooLongError</c>: HTTP 400.</summary>
    public static readonly S3Error KeyTooLongError = new("KeyTooLongError", 400, "Your key is too long", S3ErrorNames.Key);

    /// <summary><c>MalformedPOSTRequest</c>: HTTP 400.</summary>
    public static readonly S3Error MalformedPOSTRequest = new("MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data.");

    /// <summary><c>MalformedXML</c>: HTTP 400.</summary>
    public static readonly S3Error MalformedXML = new("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema");

    /// <summary><c>MaxMessageLengthExceeded</c>: HTTP 400.</summary>
    public static readonly S3Error MaxMessageLengthExceeded = new("MaxMessageLengthExceeded", 400, "Your request was too big.");

    /// <summary><c>MaxPostPreDataLengthExceededError</c>: HTTP 400.</summary>
    public static readonly S3Error MaxPostPreDataLengthExceededError = new("MaxPostPreDataLengthExceededError", 400, "Your POST request fields preceding the upload file were too large.");

    /// <summary><c>MetadataTooLarge</c>: HTTP 400.</summary>
    public static readonly S3Error MetadataTooLarge = new("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.");

    /// <summary><c>MethodNotAllowed</c>: HTTP 405.</summary>
    public static readonly S3Error MethodNotAllowed = new("MethodNotAllowed", 405, "The specified method is not allowed against this resource.");

    /// <summary><c>MissingContentLength</c>: HTTP 411.</summary>
    public static readonly S3Error MissingContentLength = new("MissingContentLength", 411, "You must provide the Content-Length HTTP header.");

    /// <summary><c>MissingRequestBodyError</c>: HTTP 400.</summary>
    public static readonly S3Error MissingRequestBodyError = new("MissingRequestBodyError", 400, "Request Body is empty.");

    /// <summary><c>MissingSecurityHeader</c>: HTTP 400.</summary>
    public static readonly S3Error MissingSecurityHeader = new("MissingSecurityHeader", 400, "Your request was missing a required header.");

    /// <summary><c>NoSuchBucket</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchBucket = new("NoSuchBucket", 404, "The specified bucket does not exist", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchBucketPolicy</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchBucketPolicy = new("NoSuchBucketPolicy", 404, "The bucket policy does not exist", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchCORSConfiguration</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchCORSConfiguration = new("NoSuchCORSConfiguration", 404, "The CORS configuration does not exist", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchKey</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchKey = new("NoSuchKey", 404, "The specified key does not exist.", S3ErrorNames.BucketName | S3ErrorNames.Key);

    /// <summary><c>NoSuchLifecycleConfiguration</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchLifecycleConfiguration = new("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchPublicAccessBlockConfiguration</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchPublicAccessBlockConfiguration = new("NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchUpload</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchUpload = new("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    /// <summary><c>NoSuchVersion</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchVersion = new("NoSuchVersion", 404, "The specified version does not exist.");

    /// <summary><c>NoSuchTagSet</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchTagSet = new("NoSuchTagSet", 404, "The TagSet does not exist", S3ErrorNames.BucketName);

    /// <summary><c>NoSuchWebsiteConfiguration</c>: HTTP 404.</summary>
    public static readonly S3Error NoSuchWebsiteConfiguration = new("NoSuchWebsiteConfiguration", 404, "The specified bucket does not have a website configuration", S3ErrorNames.BucketName);

    /// <summary><c>NotImplemented</c>: HTTP 501.</summary>
    public static readonly S3Error NotImplemented = new("NotImplemented", 501, "A header you provided implies functionality that is not implemented.");

    /// <summary><c>NotModified</c>: HTTP 304.</summary>
    public static readonly S3Error NotModified = new("NotModified", 304, "Not Modified");

    /// <summary><c>ObjectLockConfigurationNotFoundError</c>: HTTP 404.</summary>
    public static readonly S3Error ObjectLockConfigurationNotFoundError = new("ObjectLockConfigurationNotFoundError", 404, "Object Lock configuration does not exist for this bucket", S3ErrorNames.BucketName);

    /// <summary><c>OwnershipControlsNotFoundError</c>: HTTP 404.</summary>
    public static readonly S3Error OwnershipControlsNotFoundError = new("OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found", S3ErrorNames.BucketName);

    /// <summary><c>PreconditionFailed</c>: HTTP 412.</summary>
    public static readonly S3Error PreconditionFailed = new("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");

    /// <summary><c>ReplicationConfigurationNotFoundError</c>: HTTP 404.</summary>
    public static readonly S3Error ReplicationConfigurationNotFoundError = new("ReplicationConfigurationNotFoundError", 404, "The replication configuration was not found", S3ErrorNames.BucketName);

    /// <summary><c>RestoreAlreadyInProgress</c>: HTTP 409.</summary>
    public static readonly S3Error RestoreAlreadyInProgress = new("RestoreAlreadyInProgress", 409, "Object restore is already in progress");

    /// <summary><c>RequestTimeTooSkewed</c>: HTTP 403.</summary>
    public static readonly S3Error RequestTimeTooSkewed = new("RequestTimeTooSkewed", 403, "The difference between the request time and the server's time is too large.");

    /// <summary><c>RequestTimeout</c>: HTTP 400.</summary>
    public static readonly S3Error RequestTimeout = new("RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period.");

    /// <summary><c>ServerSideEncryptionConfigurationNotFoundError</c>: HTTP 404.</summary>
    public static readonly S3Error ServerSideEncryptionConfigurationNotFoundError = new("ServerSideEncryptionConfigurationNotFoundError", 404, "The server side encryption configuration was not found", S3ErrorNames.BucketName);

    /// <summary><c>SignatureDoesNotMatch</c>: HTTP 403.</summary>
    public static readonly S3Error SignatureDoesNotMatch = new("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.");

    /// <summary><c>ServiceUnavailable</c>: HTTP 503.</summary>
    public static readonly S3Error ServiceUnavailable = new("ServiceUnavailable", 503, "Please reduce your request rate.");

    /// <summary><c>SlowDown</c>: HTTP 503.</summary>
    public static readonly S3Error SlowDown = new("SlowDown", 503, "Please reduce your request rate.");

    /// <summary><c>TooManyBuckets</c>: HTTP 400.</summary>
    public static readonly S3Error TooManyBuckets = new("TooManyBuckets", 400, "You have attempted to create more buckets than allowed.");

    /// <summary><c>XAmzContentSHA256Mismatch</c>: HTTP 400.</summary>
    public static readonly S3Error XAmzContentSHA256Mismatch = new("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");

    /// <summary><c>UnexpectedContent</c>: HTTP 400.</summary>
    public static readonly S3Error UnexpectedContent = new("UnexpectedContent", 400, "This request does not support content.");

    /// <summary>Every row, by code.</summary>
    public static IReadOnlyDictionary<string, S3Error> ByCode { get; } = new[]
    {
        AccessDenied,
        AccountProblem,
        AuthorizationHeaderMalformed,
        AuthorizationQueryParametersError,
        BadDigest,
        BucketAlreadyExists,
        BucketAlreadyOwnedByYou,
        BucketNotEmpty,
        EntityTooLarge,
        EntityTooSmall,
        ExpiredToken,
        IllegalLocationConstraintException,
        IncompleteBody,
        IncorrectNumberOfFilesInPostRequest,
        InternalError,
        InvalidAccessKeyId,
        InvalidArgument,
        InvalidBucketName,
        InvalidBucketState,
        InvalidChunkSizeError,
        InvalidDigest,
        InvalidEncodingType,
        InvalidObjectState,
        InvalidPart,
        InvalidPartOrder,
        InvalidPartNumber,
        InvalidPolicyDocument,
        InvalidRange,
        InvalidRequest,
        InvalidStorageClass,
        InvalidTag,
        InvalidURI,
        KeyTooLongError,
        MalformedPOSTRequest,
        MalformedXML,
        MaxPostPreDataLengthExceededError,
        MaxMessageLengthExceeded,
        MetadataTooLarge,
        MethodNotAllowed,
        MissingContentLength,
        MissingRequestBodyError,
        MissingSecurityHeader,
        NoSuchBucket,
        NoSuchBucketPolicy,
        NoSuchCORSConfiguration,
        NoSuchKey,
        NoSuchLifecycleConfiguration,
        NoSuchPublicAccessBlockConfiguration,
        NoSuchUpload,
        NoSuchVersion,
        NoSuchTagSet,
        NoSuchWebsiteConfiguration,
        NotImplemented,
        NotModified,
        ObjectLockConfigurationNotFoundError,
        OwnershipControlsNotFoundError,
        PreconditionFailed,
        ReplicationConfigurationNotFoundError,
        RequestTimeTooSkewed,
        RequestTimeout,
        RestoreAlreadyInProgress,
        ServerSideEncryptionConfigurationNotFoundError,
        SignatureDoesNotMatch,
        ServiceUnavailable,
        SlowDown,
        TooManyBuckets,
        XAmzContentSHA256Mismatch,
        UnexpectedContent,
    }.ToDictionary(e => e.Code, StringComparer.Ordinal);
}
