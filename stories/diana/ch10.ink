=== chapter_10 ===
{t("To be continued.", "Continuará.")} #chapter:10 #scene:stub_10
-> END
