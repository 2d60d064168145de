/**
 * An XML Schema for the CyberTipline documents Fulcrum builds and reads.
 *
 * NOT NCMEC's official XSD. The official schema is served at `GET /xsd` of the Reporting API and
 * needs NCMEC credentials, which we do not have. This schema is written by the Fulcrum project
 * from the field lists, types, limits and element order published in the CyberTipline Reporting
 * API documentation (https://report.cybertip.org/ispws/documentation: Report Details Types,
 * Appendix B `<report>`, Appendix C `<fileDetails>`, the response documents), cross-checked
 * against independent implementations' ordering tables. It covers the subset of the API Fulcrum
 * uses (no lawEnforcement, intendedRecipient, victim, and only the chat/IM and web-page incident
 * types); elements it does not declare are rejected, so anything we add must be added here too.
 * Before production use, validate against the official XSD obtained with credentials.
 */
export const CYBERTIPLINE_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by the Fulcrum project from NCMEC's published CyberTipline Reporting API
     documentation; NOT the official NCMEC XSD (which requires credentials to download). -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">

  <xs:simpleType name="text255"><xs:restriction base="xs:string"><xs:maxLength value="255"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="url"><xs:restriction base="xs:anyURI"><xs:maxLength value="2083"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="nonEmpty"><xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction></xs:simpleType>

  <xs:simpleType name="incidentTypeEnum">
    <xs:restriction base="xs:string">
      <xs:enumeration value="Child Pornography (possession, manufacture, and distribution)"/>
      <xs:enumeration value="Child Sex Trafficking"/>
      <xs:enumeration value="Child Sex Tourism"/>
      <xs:enumeration value="Child Sexual Molestation"/>
      <xs:enumeration value="Misleading Domain Name"/>
      <xs:enumeration value="Misleading Words or Digital Images on the Internet"/>
      <xs:enumeration value="Online Enticement of Children for Sexual Acts"/>
      <xs:enumeration value="Unsolicited Obscene Material Sent to a Child"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="eventNameEnum">
    <xs:restriction base="xs:string">
      <xs:enumeration value="Login"/><xs:enumeration value="Registration"/><xs:enumeration value="Purchase"/>
      <xs:enumeration value="Upload"/><xs:enumeration value="Other"/><xs:enumeration value="Unknown"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:complexType name="emptyFlag"/>

  <xs:complexType name="reportAnnotationsType">
    <xs:sequence>
      <xs:element name="sextortion" type="emptyFlag" minOccurs="0"/>
      <xs:element name="csamSolicitation" type="emptyFlag" minOccurs="0"/>
      <xs:element name="minorToMinorInteraction" type="emptyFlag" minOccurs="0"/>
      <xs:element name="spam" type="emptyFlag" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="incidentSummaryType">
    <xs:sequence>
      <xs:element name="incidentType" type="incidentTypeEnum"/>
      <xs:element name="platform" type="text255" minOccurs="0"/>
      <xs:element name="escalateToHighPriority" type="xs:string" minOccurs="0"/>
      <xs:element name="reportAnnotations" type="reportAnnotationsType" minOccurs="0"/>
      <xs:element name="incidentDateTime" type="xs:dateTime"/>
      <xs:element name="incidentDateTimeDescription" type="xs:string" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="webPageIncidentType">
    <xs:sequence>
      <xs:element name="url" type="url" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="additionalInfo" type="xs:string" minOccurs="0"/>
      <xs:element name="thirdPartyHostedContent" type="xs:boolean" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="chatImIncidentType">
    <xs:sequence>
      <xs:element name="chatClient" type="text255" minOccurs="0"/>
      <xs:element name="chatRoomName" type="text255" minOccurs="0"/>
      <xs:element name="content" type="xs:string" minOccurs="0"/>
      <xs:element name="additionalInfo" type="xs:string" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="internetDetailsType">
    <xs:choice>
      <xs:element name="webPageIncident" type="webPageIncidentType"/>
      <xs:element name="chatImIncident" type="chatImIncidentType"/>
    </xs:choice>
  </xs:complexType>

  <xs:complexType name="phoneType">
    <xs:simpleContent>
      <xs:extension base="xs:string">
        <xs:attribute name="type" type="xs:string"/>
        <xs:attribute name="verified" type="xs:boolean"/>
        <xs:attribute name="verificationDate" type="xs:dateTime"/>
        <xs:attribute name="countryCallingCode" type="xs:string"/>
        <xs:attribute name="extension" type="xs:string"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>

  <xs:complexType name="emailType">
    <xs:simpleContent>
      <xs:extension base="text255">
        <xs:attribute name="type" type="xs:string"/>
        <xs:attribute name="verified" type="xs:boolean"/>
        <xs:attribute name="verificationDate" type="xs:dateTime"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>

  <xs:complexType name="addressType">
    <xs:sequence>
      <xs:element name="address" type="xs:string" minOccurs="0"/>
      <xs:element name="city" type="xs:string" minOccurs="0"/>
      <xs:element name="zipCode" type="xs:string" minOccurs="0"/>
      <xs:element name="state" type="xs:string" minOccurs="0"/>
      <xs:element name="nonUsaState" type="xs:string" minOccurs="0"/>
      <xs:element name="country" type="xs:string" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="type" type="xs:string"/>
  </xs:complexType>

  <xs:complexType name="personType">
    <xs:sequence>
      <xs:element name="firstName" type="text255" minOccurs="0"/>
      <xs:element name="lastName" type="text255" minOccurs="0"/>
      <xs:element name="phone" type="phoneType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="email" type="emailType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="address" type="addressType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="age" type="xs:nonNegativeInteger" minOccurs="0"/>
      <xs:element name="dateOfBirth" type="xs:date" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <!-- reportingPerson: the documentation requires an e-mail address. -->
  <xs:complexType name="reportingPersonType">
    <xs:sequence>
      <xs:element name="firstName" type="text255" minOccurs="0"/>
      <xs:element name="lastName" type="text255" minOccurs="0"/>
      <xs:element name="phone" type="phoneType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="email" type="emailType" minOccurs="1" maxOccurs="unbounded"/>
      <xs:element name="address" type="addressType" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="reporterType">
    <xs:sequence>
      <xs:element name="reportingPerson" type="reportingPersonType"/>
      <xs:element name="contactPerson" type="reportingPersonType" minOccurs="0"/>
      <xs:element name="companyTemplate" type="xs:string" minOccurs="0"/>
      <xs:element name="termsOfService" type="xs:string" minOccurs="0"/>
      <xs:element name="legalURL" type="url" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="ipCaptureEventType">
    <xs:sequence>
      <xs:element name="ipAddress" type="nonEmpty"/>
      <xs:element name="eventName" type="eventNameEnum" minOccurs="0"/>
      <xs:element name="dateTime" type="xs:dateTime" minOccurs="0"/>
      <xs:element name="possibleProxy" type="xs:boolean" minOccurs="0"/>
      <xs:element name="port" type="xs:unsignedShort" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="deviceIdType">
    <xs:sequence>
      <xs:element name="idType" type="nonEmpty"/>
      <xs:element name="idValue" type="nonEmpty"/>
      <xs:element name="eventName" type="eventNameEnum" minOccurs="0"/>
      <xs:element name="dateTime" type="xs:dateTime" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="personOrUserReportedType">
    <xs:sequence>
      <xs:element name="personOrUserReportedPerson" type="personType" minOccurs="0"/>
      <xs:element name="vehicleDescription" type="xs:string" minOccurs="0"/>
      <xs:element name="espIdentifier" type="text255" minOccurs="0"/>
      <xs:element name="espService" type="text255" minOccurs="0"/>
      <xs:element name="screenName" type="text255" minOccurs="0"/>
      <xs:element name="displayName" type="text255" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="profileUrl" type="url" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="ipCaptureEvent" type="ipCaptureEventType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="deviceId" type="deviceIdType" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="thirdPartyUserReported" type="xs:boolean" minOccurs="0"/>
      <xs:element name="priorCTReports" type="xs:positiveInteger" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="groupIdentifier" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element name="additionalInfo" type="xs:string" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:element name="report">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="incidentSummary" type="incidentSummaryType"/>
        <xs:element name="internetDetails" type="internetDetailsType" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="reporter" type="reporterType"/>
        <xs:element name="personOrUserReported" type="personOrUserReportedType" minOccurs="0"/>
        <xs:element name="additionalInfo" type="xs:string" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>

  <xs:simpleType name="fileRelevanceEnum">
    <xs:restriction base="xs:string">
      <xs:enumeration value="Reported"/>
      <xs:enumeration value="Supplemental Reported"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="industryClassificationEnum">
    <xs:restriction base="xs:string">
      <xs:enumeration value="A1"/><xs:enumeration value="A2"/><xs:enumeration value="B1"/><xs:enumeration value="B2"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:complexType name="fileAnnotationsType">
    <xs:sequence>
      <xs:element name="animeDrawingVirtualHentai" type="emptyFlag" minOccurs="0"/>
      <xs:element name="potentialMeme" type="emptyFlag" minOccurs="0"/>
      <xs:element name="viral" type="emptyFlag" minOccurs="0"/>
      <xs:element name="possibleSelfProduction" type="emptyFlag" minOccurs="0"/>
      <xs:element name="physicalHarm" type="emptyFlag" minOccurs="0"/>
      <xs:element name="violenceGore" type="emptyFlag" minOccurs="0"/>
      <xs:element name="bestiality" type="emptyFlag" minOccurs="0"/>
      <xs:element name="liveStreaming" type="emptyFlag" minOccurs="0"/>
      <xs:element name="infant" type="emptyFlag" minOccurs="0"/>
      <xs:element name="generativeAi" type="emptyFlag" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>

  <xs:complexType name="originalFileHashType">
    <xs:simpleContent>
      <xs:extension base="nonEmpty">
        <xs:attribute name="hashType" use="required">
          <xs:simpleType><xs:restriction base="xs:string"><xs:minLength value="1"/><xs:maxLength value="64"/></xs:restriction></xs:simpleType>
        </xs:attribute>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>

  <xs:element name="fileDetails">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="reportId" type="nonEmpty"/>
        <xs:element name="fileId" type="nonEmpty"/>
        <xs:element name="originalFileName" minOccurs="0">
          <xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="2056"/></xs:restriction></xs:simpleType>
        </xs:element>
        <xs:element name="uploadedToEspTimestamp" type="xs:dateTime" minOccurs="0"/>
        <xs:element name="locationOfFile" type="url" minOccurs="0"/>
        <xs:element name="fileViewedByEsp" type="xs:boolean" minOccurs="0"/>
        <xs:element name="exifViewedByEsp" type="xs:boolean" minOccurs="0"/>
        <xs:element name="publiclyAvailable" type="xs:boolean" minOccurs="0"/>
        <xs:element name="fileRelevance" type="fileRelevanceEnum" minOccurs="0"/>
        <xs:element name="fileAnnotations" type="fileAnnotationsType" minOccurs="0"/>
        <xs:element name="industryClassification" type="industryClassificationEnum" minOccurs="0"/>
        <xs:element name="originalFileHash" type="originalFileHashType" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="ipCaptureEvent" type="ipCaptureEventType" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="deviceId" type="deviceIdType" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="additionalInfo" type="xs:string" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>

  <!-- Responses (submit, upload, fileinfo, retract: reportResponse; finish: reportDoneResponse). -->
  <xs:element name="reportResponse">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="responseCode" type="xs:int"/>
        <xs:element name="responseDescription" type="xs:string" minOccurs="0"/>
        <xs:element name="reportId" type="xs:string" minOccurs="0"/>
        <xs:element name="fileId" type="xs:string" minOccurs="0"/>
        <xs:element name="hash" type="xs:string" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>

  <xs:element name="reportDoneResponse">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="responseCode" type="xs:int"/>
        <xs:element name="responseDescription" type="xs:string" minOccurs="0"/>
        <xs:element name="reportId" type="xs:string" minOccurs="0"/>
        <xs:element name="files" minOccurs="0">
          <xs:complexType>
            <xs:sequence><xs:element name="fileId" type="xs:string" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`;
