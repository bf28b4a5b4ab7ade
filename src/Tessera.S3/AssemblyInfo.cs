// The S3 protocol layer. Handlers live in Operations/, authentication in Auth/, XML in Xml/.
[assembly: System.CLSCompliant(false)]
