=== chapter_7 ===
{t("To be continued.", "Continuará.")} #chapter:7 #scene:stub_7
-> END
